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
  requester  TEXT,
  text_sha256  TEXT,
  lthash_base  TEXT,
  lthash_state BLOB
);
`;

/**
 * Columns added after the first release (ALTER TABLE on an older database), with their types. NULL nonce: a version 1
 * envelope; a non-NULL `lthash_state` (the zone's LtHash16 state, 2048 bytes): a version 3 envelope.
 */
const ADDED_COLUMNS = [
  ["nonce", "TEXT"],
  ["requester", "TEXT"],
  ["text_sha256", "TEXT"],
  ["lthash_base", "TEXT"],
  ["lthash_state", "BLOB"],
] as const;

/** The columns a stored envelope is read from (also by the DNS worker processes). */
export const ZONE_ENVELOPE_COLUMNS = "name, serial, timestamp, signature, zone_text, nonce, requester, text_sha256, lthash_base, lthash_state";

/** A stored envelope's row ({@link ZONE_ENVELOPE_COLUMNS}). */
export interface ZoneEnvelopeRow {
  name: string;
  serial: number;
  timestamp: number;
  signature: string;
  zone_text: string;
  nonce: string | null;
  requester: string | null;
  text_sha256: string | null;
  lthash_base: string | null;
  lthash_state: Buffer | null;
}

interface Row extends ZoneEnvelopeRow {
  stored_at: number;
}

/** The signed envelope a row holds, exactly as it was verified (so it verifies again at start-up). */
export function envelopeFromRow(row: ZoneEnvelopeRow): SignedZone {
  const zone: SignedZone = { type: "zone.data", version: 1, zone: row.name, serial: row.serial, timestamp: row.timestamp, signature: row.signature, zoneText: row.zone_text };
  // A request-bound (version 2) envelope keeps its binding so it verifies again at start-up.
  if (row.nonce !== null) Object.assign(zone, { version: 2, nonce: row.nonce, requester: row.requester ?? "" });
  // Version 3 also keeps the LtHash16 state it was verified with (and the next delta updates).
  if (row.nonce !== null && row.lthash_state !== null) {
    Object.assign(zone, { version: 3, lthashState: row.lthash_state.toString("base64") });
    if (row.text_sha256 !== null) zone.textSha256 = row.text_sha256;
    if (row.lthash_base !== null) zone.lthashBase = row.lthash_base;
  }
  return zone;
}

function fromRow(row: Row): StoredZone {
  return { ...envelopeFromRow(row), storedAt: row.stored_at };
}

/** Opens (creating if needed) the SQLite database at `path` (":memory:" for tests). */
export function openZoneStore(path: string): ZoneStore {
  // Grouped puts commit without fsync and then sync the log on the thread pool (wal-sync.ts: as durable as FULL,
  // without stopping DNS answers for the disk); put and delete commit with FULL (`durably`), which syncs the log too.
  const sqlite = openDurableSqlite(path, (p) => new Database(p));
  const { db, wal, durably } = sqlite;
  db.exec(SCHEMA);
  const present = new Set(db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('zones')").all().map((c) => c.name));
  for (const [column, type] of ADDED_COLUMNS) if (!present.has(column)) db.exec(`ALTER TABLE zones ADD COLUMN ${column} ${type}`);
  const selectAll = db.prepare<[], Row>("SELECT * FROM zones ORDER BY name");
  const selectOne = db.prepare<[string], Row>("SELECT * FROM zones WHERE name = ?");
  const selectSerials = db.prepare<[], { name: string; serial: number }>("SELECT name, serial FROM zones");
  const upsert = db.prepare(
    `INSERT INTO zones (name, serial, timestamp, signature, zone_text, stored_at, nonce, requester, text_sha256, lthash_base, lthash_state)
     VALUES (@name, @serial, @timestamp, @signature, @zone_text, @stored_at, @nonce, @requester, @text_sha256, @lthash_base, @lthash_state)
     ON CONFLICT(name) DO UPDATE SET serial = excluded.serial, timestamp = excluded.timestamp,
       signature = excluded.signature, zone_text = excluded.zone_text, stored_at = excluded.stored_at,
       nonce = excluded.nonce, requester = excluded.requester, text_sha256 = excluded.text_sha256,
       lthash_base = excluded.lthash_base, lthash_state = excluded.lthash_state`,
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
      nonce: z.version !== 1 ? (z.nonce ?? null) : null,
      requester: z.version !== 1 ? (z.requester ?? null) : null,
      text_sha256: z.version === 3 ? (z.textSha256 ?? null) : null,
      lthash_base: z.version === 3 ? (z.lthashBase ?? null) : null,
      lthash_state: z.version === 3 && z.lthashState !== undefined ? Buffer.from(z.lthashState, "base64") : null,
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
