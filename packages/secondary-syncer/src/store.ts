// SQLite storage of a secondary's signed zones (better-sqlite3); each zone is replaced in one transaction.
import Database from "better-sqlite3";
import { openDurableSqlite } from "@pdns-distribute/core";
import type { SignedZone } from "@pdns-distribute/core";

/** A zone as stored: the signed envelope exactly as received, plus when it was stored. */
export interface StoredZone extends SignedZone {
  storedAt: number;
}

/** Durable zone storage of one secondary. */
export interface ZoneStore {
  /** Every stored zone (used at start-up to serve at once). */
  all(): StoredZone[];
  /** One zone, or undefined. */
  get(zone: string): StoredZone | undefined;
  /** Serial of every stored zone. */
  serials(): Map<string, number>;
  /** Inserts or replaces a zone atomically. */
  put(zone: SignedZone): void;
  /**
   * Inserts or replaces a zone atomically; resolves once committed. Zones put while the event loop is busy
   * (parallel transfers finishing together) share one transaction: one fsync for all of them.
   */
  putGrouped(zone: SignedZone): Promise<void>;
  /** Removes a zone; returns whether it existed. */
  delete(zone: string): boolean;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS zones (
  name       TEXT PRIMARY KEY,
  serial     INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  signature  TEXT NOT NULL,
  zone_text  TEXT NOT NULL,
  stored_at  INTEGER NOT NULL,
  nonce      TEXT,
  requester  TEXT
);
`;

/** Columns added after the first release (ALTER TABLE on an older database); NULL nonce: a version 1 envelope. */
const ADDED_COLUMNS = ["nonce", "requester"] as const;

interface Row {
  name: string;
  serial: number;
  timestamp: number;
  signature: string;
  zone_text: string;
  stored_at: number;
  nonce: string | null;
  requester: string | null;
}

function fromRow(row: Row): StoredZone {
  const zone: StoredZone = {
    type: "zone.data",
    version: 1,
    zone: row.name,
    serial: row.serial,
    timestamp: row.timestamp,
    signature: row.signature,
    zoneText: row.zone_text,
    storedAt: row.stored_at,
  };
  // A request-bound (version 2) envelope keeps its binding so it verifies again at start-up.
  if (row.nonce !== null) Object.assign(zone, { version: 2, nonce: row.nonce, requester: row.requester ?? "" });
  return zone;
}

/** Opens (creating if needed) the SQLite database at `path` (":memory:" for tests). */
export function openZoneStore(path: string): ZoneStore {
  // Grouped puts commit without fsync and then sync the log on the thread pool (wal-sync.ts: as durable as FULL,
  // without stopping DNS answers for the disk); put and delete commit with FULL (`durably`), which syncs the log too.
  const sqlite = openDurableSqlite(path, (p) => new Database(p));
  const { db, wal, durably } = sqlite;
  db.exec(SCHEMA);
  const present = new Set(db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('zones')").all().map((c) => c.name));
  for (const column of ADDED_COLUMNS) if (!present.has(column)) db.exec(`ALTER TABLE zones ADD COLUMN ${column} TEXT`);
  const selectAll = db.prepare<[], Row>("SELECT * FROM zones ORDER BY name");
  const selectOne = db.prepare<[string], Row>("SELECT * FROM zones WHERE name = ?");
  const selectSerials = db.prepare<[], { name: string; serial: number }>("SELECT name, serial FROM zones");
  const upsert = db.prepare(
    `INSERT INTO zones (name, serial, timestamp, signature, zone_text, stored_at, nonce, requester)
     VALUES (@name, @serial, @timestamp, @signature, @zone_text, @stored_at, @nonce, @requester)
     ON CONFLICT(name) DO UPDATE SET serial = excluded.serial, timestamp = excluded.timestamp,
       signature = excluded.signature, zone_text = excluded.zone_text, stored_at = excluded.stored_at,
       nonce = excluded.nonce, requester = excluded.requester`,
  );
  const remove = db.prepare<[string]>("DELETE FROM zones WHERE name = ?");
  const upsertZone = (z: SignedZone): void => {
    upsert.run({
      name: z.zone,
      serial: z.serial,
      timestamp: z.timestamp,
      signature: z.signature,
      zone_text: z.zoneText,
      stored_at: Date.now(),
      nonce: z.version === 2 ? (z.nonce ?? null) : null,
      requester: z.version === 2 ? (z.requester ?? null) : null,
    });
  };
  const putManyTx = db.transaction((zones: SignedZone[]) => {
    for (const z of zones) upsertZone(z);
  });
  // Group commit: puts waiting for the next flush, each with its promise's settle functions.
  let waiting: Array<{ zone: SignedZone; resolve: () => void; reject: (err: unknown) => void }> = [];
  const flush = (): void => {
    const group = waiting;
    waiting = [];
    try {
      putManyTx(group.map((w) => w.zone));
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    wal.sync().then(
      () => {
        for (const w of group) w.resolve();
      },
      (err: unknown) => {
        for (const w of group) w.reject(err);
      },
    );
  };
  return {
    all: () => selectAll.all().map(fromRow),
    get: (zone) => {
      const row = selectOne.get(zone);
      return row ? fromRow(row) : undefined;
    },
    serials: () => new Map(selectSerials.all().map((r) => [r.name, r.serial])),
    put: (zone) => durably(() => putManyTx([zone])),
    putGrouped: (zone) =>
      new Promise<void>((resolve, reject) => {
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ zone, resolve, reject });
      }),
    delete: (zone) => durably(() => remove.run(zone).changes > 0),
    close: () => {
      if (waiting.length > 0) flush(); // settle grouped puts still waiting before closing
      sqlite.close(); // closing checkpoints the log into the database file, synced
    },
  };
}
