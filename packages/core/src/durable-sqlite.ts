// Opening a SQLite database for durable writes that do not block the event loop (WAL, NORMAL, log synced off-thread).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fullSyncCommits, walSync } from "./wal-sync";
import type { PragmaDatabase, WalSync } from "./wal-sync";

/** What {@link openDurableSqlite} needs of a database handle (better-sqlite3's Database has it). */
export interface SqliteDatabase extends PragmaDatabase {
  pragma(source: string): unknown;
  close(): unknown;
}

/** A database opened by {@link openDurableSqlite}, with its two ways of making commits durable. */
export interface DurableSqlite<D extends SqliteDatabase> {
  /** The database, in WAL mode with `synchronous = NORMAL`. */
  readonly db: D;
  /** Syncs the log on the thread pool: NORMAL commits made before `wal.sync()` are durable once it resolves. */
  readonly wal: WalSync;
  /** Runs `fn` (one transaction) with a FULL commit: durable when it returns, with every commit before it. */
  durably<T>(fn: () => T): T;
  /** Closes the database, then the log's file descriptor. */
  close(): void;
}

/**
 * Opens (creating its directory if needed) the database at `path` (":memory:" for tests) with `open`
 * (e.g. `(p) => new Database(p)`), in WAL mode with `synchronous = NORMAL`: commits are not fsync'ed by
 * SQLite itself, but made durable either by `wal.sync()` (off the event loop) or by `durably()` (wal-sync.ts).
 */
export function openDurableSqlite<D extends SqliteDatabase>(path: string, open: (path: string) => D): DurableSqlite<D> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = open(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  const wal = walSync(path);
  const durably = fullSyncCommits(db);
  return {
    db,
    wal,
    durably,
    close() {
      db.close();
      wal.close();
    },
  };
}
