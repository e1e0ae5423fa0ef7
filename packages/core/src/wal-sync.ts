// Durable SQLite commits that do not block the event loop.
//
// better-sqlite3 is synchronous: with `synchronous = FULL` every commit's fsync (milliseconds on a real disk)
// stops the whole process — DNS answers, NATS traffic, HTTP — while the disk works. In WAL mode, FULL differs
// from NORMAL only by one sync of the -wal file after each commit (https://sqlite.org/pragma.html#pragma_synchronous);
// checkpoints are synced in both. So a database opened with `synchronous = NORMAL` whose -wal file is then
// fdatasync'ed on libuv's thread pool, before anyone is told the write is durable, is exactly as durable as
// FULL, and the process goes on working while the disk syncs.
import { close, fdatasync, openSync } from "node:fs";

/** Syncs a WAL-mode SQLite database's log in the background. */
export interface WalSync {
  /** Resolves once everything committed before the call is on disk; rejects when the sync fails (EIO…). */
  sync(): Promise<void>;
  /** Syncs started so far (metrics, tests). */
  readonly syncs: number;
  /** Closes the file descriptor (after the database is closed). */
  close(): void;
}

/**
 * A WalSync for the database at `dbPath` (opened in WAL mode with `synchronous = NORMAL`). Calls made while a
 * sync runs share the next one (it starts when the current one ends, so it covers their commits): a burst of
 * commits costs two syncs, not one each. ":memory:" needs none.
 */
export function walSync(dbPath: string): WalSync {
  let fd: number | undefined;
  let syncs = 0;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let closed = false;
  const openLog = (): number => {
    if (fd !== undefined) return fd;
    try {
      const opened = openSync(`${dbPath}-wal`, "r");
      if (closed) return opened; // a sync queued before close(): its own descriptor, closed after it
      fd = opened;
    } catch (err) {
      // No log (yet): the commit went to the database file itself (not WAL mode): sync that instead.
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      return openSync(dbPath, "r");
    }
    return fd;
  };
  const run = (): Promise<void> => {
    syncs++;
    const p = new Promise<void>((resolve, reject) => {
      let target: number;
      try {
        target = openLog();
      } catch (err) {
        reject(err as Error);
        return;
      }
      const own = target !== fd; // the database file, opened for this sync only
      fdatasync(target, (err) => {
        if (own) close(target, () => undefined);
        if (err) reject(err);
        else resolve();
      });
    }).finally(() => {
      if (running === p) running = undefined;
    });
    running = p;
    return p;
  };
  if (dbPath === ":memory:") {
    return { sync: () => Promise.resolve(), syncs: 0, close: () => undefined };
  }
  return {
    sync() {
      if (!running) return run();
      queued ??= running
        .catch(() => undefined)
        .then(() => {
          queued = undefined;
          return run();
        });
      return queued;
    },
    get syncs() {
      return syncs;
    },
    close() {
      closed = true;
      const last = fd;
      fd = undefined;
      // A sync still running finishes on its descriptor first.
      if (last !== undefined) void Promise.allSettled([running, queued]).then(() => close(last, () => undefined));
    },
  };
}

/** Enough of a database handle to switch `synchronous` (better-sqlite3's Database). */
export interface PragmaDatabase {
  prepare(sql: string): { run(): unknown };
}

/**
 * For a WAL database opened with `synchronous = NORMAL`: returns a wrapper that runs one transaction with FULL, so
 * its commit syncs the log — which also makes every NORMAL commit before it durable — then switches back. For the
 * rare writes that must be durable when they return (no promise to wait for).
 */
export function fullSyncCommits(db: PragmaDatabase): <T>(fn: () => T) => T {
  // Prepared afresh each time: SQLite applies `PRAGMA synchronous = …` when it compiles the statement, so a
  // statement prepared once and run again only takes effect when SQLite happens to re-prepare it (not on its
  // first run after opening: that commit would not have been synced).
  return (fn) => {
    db.prepare("PRAGMA synchronous = FULL").run();
    try {
      return fn();
    } finally {
      db.prepare("PRAGMA synchronous = NORMAL").run();
    }
  };
}

