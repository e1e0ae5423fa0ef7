// Durable outbox of zone events (SQLite, better-sqlite3): an event JetStream did not acknowledge at once is stored here
// until it is (relay.ts), then removed.
// Stores are fsync'ed, several events per transaction when they come together (group commit): `add` commits with
// synchronous = FULL; `addMany` commits without and `synced()` then syncs the log on the thread pool (wal-sync.ts:
// as durable as FULL, and the proxy keeps forwarding requests meanwhile). Removals and retry counts are not
// fsync'ed (NORMAL): one lost in a crash only means the event is published once more.
import Database from "better-sqlite3";
import { openDurableSqlite, zoneEventSchema } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";

/** One stored event with its position in the outbox (publishing order). */
export interface OutboxEntry {
  seq: number;
  event: ZoneEvent;
  attempts: number;
}

/** Events waiting to be published, oldest first; survives restarts and crashes. */
export interface Outbox {
  /** Stores an event durably (fsync'ed before it returns). */
  add(event: ZoneEvent): OutboxEntry;
  /** Stores several events in one transaction, in this order; durable once {@link Outbox.synced} resolves. */
  addMany(events: readonly ZoneEvent[]): OutboxEntry[];
  /** Resolves once everything stored before the call is on disk (one fsync shared by concurrent callers). */
  synced(): Promise<void>;
  /** Up to `limit` oldest entries. */
  oldest(limit: number): OutboxEntry[];
  /** Removes a published entry (not fsync'ed: after a crash it may be published again, de-duplicated by its id). */
  remove(seq: number): void;
  /** Counts a failed publish attempt. */
  failed(seq: number): void;
  /** Entries waiting. */
  count(): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  event      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0
);
`;

interface Row {
  seq: number;
  event: string;
  attempts: number;
}

/** Opens (creating if needed) the outbox database at `path` (":memory:" for tests). */
export function openOutbox(path: string): Outbox {
  // WAL: a FULL commit (`durably`, or a sync of the log) makes every NORMAL commit before it durable too, in order.
  const sqlite = openDurableSqlite(path, (p) => new Database(p));
  const { db, wal, durably } = sqlite;
  db.exec(SCHEMA);
  const insert = db.prepare<[string, number]>("INSERT INTO outbox (event, created_at) VALUES (?, ?)");
  const select = db.prepare<[number], Row>("SELECT seq, event, attempts FROM outbox ORDER BY seq LIMIT ?");
  const del = db.prepare<[number]>("DELETE FROM outbox WHERE seq = ?");
  const bump = db.prepare<[number]>("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?");
  const countStmt = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM outbox");
  const insertAll = db.transaction((events: readonly ZoneEvent[]): OutboxEntry[] => {
    const now = Date.now();
    return events.map((event) => ({ seq: Number(insert.run(JSON.stringify(event), now).lastInsertRowid), event, attempts: 0 }));
  });
  return {
    add: (event) =>
      durably(() => {
        const [entry] = insertAll([event]);
        if (!entry) throw new Error("outbox: the insert returned no row");
        return entry;
      }),
    addMany: (events) => (events.length === 0 ? [] : insertAll(events)),
    synced: () => wal.sync(),
    oldest(limit) {
      const out: OutboxEntry[] = [];
      for (const row of select.all(limit)) {
        // A row that no longer parses (edited by hand, older format) is dropped rather than blocking the rest.
        let raw: unknown;
        try {
          raw = JSON.parse(row.event);
        } catch {
          raw = undefined;
        }
        const parsed = zoneEventSchema.safeParse(raw);
        if (parsed.success) out.push({ seq: row.seq, event: parsed.data, attempts: row.attempts });
        else del.run(row.seq);
      }
      return out;
    },
    remove: (seq) => void del.run(seq),
    failed: (seq) => void bump.run(seq),
    count: () => countStmt.get()?.n ?? 0,
    close: () => sqlite.close(),
  };
}
