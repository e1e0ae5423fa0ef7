// SQLite storage of a secondary's signed zones (better-sqlite3): a base text per zone plus a log of the changes
// since, each zone replaced or changed in one transaction.
import Database from "better-sqlite3";
import { openDurableSqlite } from "@pdns-distribute/core";
import type { SignedZone, SignedZoneHeader } from "@pdns-distribute/core";
import type { ZoneTextDelta } from "@pdns-distribute/dns";
import { ZoneLines } from "./zone-lines";

/** A zone as stored: the signed envelope exactly as received, plus when it was stored. */
export interface StoredZone extends SignedZone {
  storedAt: number;
}

/** Durable zone storage of one secondary. */
export interface ZoneStore {
  /**
   * Every stored zone (used at start-up to serve at once); a zone whose change log does not apply to its base is
   * left out and passed to `onUnreadable`.
   */
  all(onUnreadable?: (zone: string, err: Error) => void): StoredZone[];
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
  /**
   * Logs a change of a zone held at `from`: the envelope of the new version and the delta that makes its text, in
   * one transaction (a few rows, not the zone), grouped like putGrouped. Rejects, writing nothing, when the zone
   * held is no longer `from` (the change is then fetched again).
   */
  putChangeGrouped(envelope: SignedZoneHeader, from: StoredVersion, delta: ZoneTextDelta): Promise<void>;
  /** Number of changes logged after the zone's stored base (0 for an unknown zone). */
  changeCount(zone: string): number;
  /**
   * Makes `text` (the text of the version held, `version`) the zone's base and empties its log, in one durable
   * transaction; does nothing and returns false when the zone held is no longer that version.
   */
  compact(zone: string, version: StoredVersion, text: string): boolean;
  /** Removes a zone; returns whether it existed. */
  delete(zone: string): boolean;
  close(): void;
}

/** A stored version of a zone, as a change names the version it applies to. */
export interface StoredVersion {
  serial: number;
  signature: string;
}

/**
 * `zones` holds each zone's base: an envelope and its text. `zone_changes` holds the changes since (seq ascending):
 * the delta from the version before (JSON) and the envelope of the version it gives. The zone held is the base with
 * every change applied, its envelope the last change's; a database without changes (one made before the log) holds
 * its zones as before.
 */
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
CREATE TABLE IF NOT EXISTS zone_changes (
  name       TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  removed    TEXT NOT NULL,
  added      TEXT NOT NULL,
  serial     INTEGER NOT NULL,
  timestamp  INTEGER NOT NULL,
  signature  TEXT NOT NULL,
  stored_at  INTEGER NOT NULL,
  nonce      TEXT,
  requester  TEXT,
  text_sha256  TEXT,
  lthash_base  TEXT,
  lthash_state BLOB,
  PRIMARY KEY (name, seq)
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

/** A logged change's row (`zone_changes`): the envelope columns of the version it gives, and its delta (JSON). */
interface ChangeRow extends Omit<ZoneEnvelopeRow, "zone_text"> {
  seq: number;
  removed: string;
  added: string;
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

/** Reads stored zones, each as its base with the logged changes applied (also used by the DNS worker processes). */
export interface StoredZoneReader {
  /** One zone, or undefined; throws ZoneTextError when its change log does not apply to its base. */
  get(zone: string): StoredZone | undefined;
  /** Every zone, as ZoneStore.all. */
  all(onUnreadable?: (zone: string, err: Error) => void): StoredZone[];
}

/** A {@link StoredZoneReader} on an open database holding the schema (read-only is enough). */
export function storedZoneReader(db: Database.Database): StoredZoneReader {
  const one = db.prepare<[string], ZoneEnvelopeRow & { stored_at: number }>(`SELECT ${ZONE_ENVELOPE_COLUMNS}, stored_at FROM zones WHERE name = ?`);
  const every = db.prepare<[], ZoneEnvelopeRow & { stored_at: number }>(`SELECT ${ZONE_ENVELOPE_COLUMNS}, stored_at FROM zones ORDER BY name`);
  const changesOf = db.prepare<[string], ChangeRow>("SELECT * FROM zone_changes WHERE name = ? ORDER BY seq");
  const loggedNames = db.prepare<[], { name: string }>("SELECT DISTINCT name FROM zone_changes");
  return {
    get: (zone) => {
      const row = one.get(zone);
      return row === undefined ? undefined : withChanges(row, changesOf.all(zone));
    },
    all: (onUnreadable) => {
      // Only zones with logged changes are asked for them (10,000 zones are not 10,000 more queries).
      const logged = new Set(loggedNames.all().map((r) => r.name));
      const zones: StoredZone[] = [];
      for (const row of every.all()) {
        try {
          zones.push(withChanges(row, logged.has(row.name) ? changesOf.all(row.name) : []));
        } catch (err) {
          onUnreadable?.(row.name, err as Error);
        }
      }
      return zones;
    },
  };
}

/**
 * The zone a base row and its logged changes hold: the base text with each delta applied in order (through
 * ZoneLines, O(change) each, then joined once), the envelope of the last change. Throws ZoneTextError when a delta
 * does not fit (the zone is then not served, and fetched whole).
 */
function withChanges(base: ZoneEnvelopeRow & { stored_at: number }, changes: readonly ChangeRow[]): StoredZone {
  const last = changes[changes.length - 1];
  if (last === undefined) return { ...envelopeFromRow(base), storedAt: base.stored_at };
  let lines = ZoneLines.fromText(base.zone_text);
  for (const c of changes) lines = lines.applyDelta({ removed: JSON.parse(c.removed) as string[], added: JSON.parse(c.added) as Array<[number, string]> });
  return { ...envelopeFromRow({ ...last, name: base.name, zone_text: lines.text() }), storedAt: last.stored_at };
}

/** The envelope columns of a signed zone (its text apart). */
function envelopeColumns(z: SignedZoneHeader): Omit<ZoneEnvelopeRow, "zone_text"> {
  return {
    name: z.zone,
    serial: z.serial,
    timestamp: z.timestamp,
    signature: z.signature,
    nonce: z.version !== 1 ? (z.nonce ?? null) : null,
    requester: z.version !== 1 ? (z.requester ?? null) : null,
    text_sha256: z.version === 3 ? (z.textSha256 ?? null) : null,
    lthash_base: z.version === 3 ? (z.lthashBase ?? null) : null,
    lthash_state: z.version === 3 && z.lthashState !== undefined ? Buffer.from(z.lthashState, "base64") : null,
  };
}

/** A change made by the version held no longer being the one the change applies to; nothing was written. */
export class StaleChangeError extends Error {
  constructor(zone: string, from: StoredVersion) {
    super(`zone ${zone}: the change applies to serial ${from.serial}, which is no longer the version stored`);
    this.name = "StaleChangeError";
  }
}

/** One write waiting for the next grouped commit: a whole zone, or a change logged. */
type GroupedWrite = { zone: SignedZone } | { change: { envelope: SignedZoneHeader; from: StoredVersion; delta: ZoneTextDelta } };

/** Opens (creating if needed) the SQLite database at `path` (":memory:" for tests). */
export function openZoneStore(path: string): ZoneStore {
  // Grouped puts commit without fsync and then sync the log on the thread pool (wal-sync.ts: as durable as FULL,
  // without stopping DNS answers for the disk); put and delete commit with FULL (`durably`), which syncs the log too.
  const sqlite = openDurableSqlite(path, (p) => new Database(p));
  const { db, wal, durably } = sqlite;
  db.exec(SCHEMA);
  const present = new Set(db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('zones')").all().map((c) => c.name));
  for (const [column, type] of ADDED_COLUMNS) if (!present.has(column)) db.exec(`ALTER TABLE zones ADD COLUMN ${column} ${type}`);
  const reader = storedZoneReader(db);
  // Versions read from the envelope columns alone (the text is never read): the last change's, else the base's.
  const selectHeld = db.prepare<[string, string], StoredVersion>(
    `SELECT serial, signature FROM (SELECT serial, signature, 1 AS k, seq FROM zone_changes WHERE name = ?
       UNION ALL SELECT serial, signature, 0 AS k, 0 AS seq FROM zones WHERE name = ?) ORDER BY k DESC, seq DESC LIMIT 1`,
  );
  const selectSerials = db.prepare<[], { name: string; serial: number }>(
    `SELECT z.name AS name, COALESCE((SELECT c.serial FROM zone_changes c WHERE c.name = z.name ORDER BY c.seq DESC LIMIT 1), z.serial) AS serial FROM zones z`,
  );
  const countChanges = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM zone_changes WHERE name = ?");
  const lastChange = db.prepare<[string], ChangeRow>("SELECT * FROM zone_changes WHERE name = ? ORDER BY seq DESC LIMIT 1");
  const upsert = db.prepare(
    `INSERT INTO zones (name, serial, timestamp, signature, zone_text, stored_at, nonce, requester, text_sha256, lthash_base, lthash_state)
     VALUES (@name, @serial, @timestamp, @signature, @zone_text, @stored_at, @nonce, @requester, @text_sha256, @lthash_base, @lthash_state)
     ON CONFLICT(name) DO UPDATE SET serial = excluded.serial, timestamp = excluded.timestamp,
       signature = excluded.signature, zone_text = excluded.zone_text, stored_at = excluded.stored_at,
       nonce = excluded.nonce, requester = excluded.requester, text_sha256 = excluded.text_sha256,
       lthash_base = excluded.lthash_base, lthash_state = excluded.lthash_state`,
  );
  const insertChange = db.prepare(
    `INSERT INTO zone_changes (name, seq, removed, added, serial, timestamp, signature, stored_at, nonce, requester, text_sha256, lthash_base, lthash_state)
     VALUES (@name, (SELECT COALESCE(MAX(seq), 0) + 1 FROM zone_changes WHERE name = @name), @removed, @added, @serial, @timestamp, @signature,
       @stored_at, @nonce, @requester, @text_sha256, @lthash_base, @lthash_state)`,
  );
  const remove = db.prepare<[string]>("DELETE FROM zones WHERE name = ?");
  const removeChanges = db.prepare<[string]>("DELETE FROM zone_changes WHERE name = ?");
  const upsertZone = (z: SignedZone): void => {
    upsert.run({ ...envelopeColumns(z), zone_text: z.zoneText, stored_at: Date.now() });
    removeChanges.run(z.zone);
  };
  const isHeld = (zone: string, from: StoredVersion): boolean => {
    const held = selectHeld.get(zone, zone);
    return held !== undefined && held.serial === from.serial && held.signature === from.signature;
  };
  // Each write of a group either happens or fails alone (a stale change); the group commits in one transaction.
  const writeManyTx = db.transaction((writes: GroupedWrite[]): Array<Error | undefined> =>
    writes.map((w) => {
      if ("zone" in w) return void upsertZone(w.zone);
      const { envelope, from, delta } = w.change;
      if (!isHeld(envelope.zone, from)) return new StaleChangeError(envelope.zone, from);
      insertChange.run({ ...envelopeColumns(envelope), removed: JSON.stringify(delta.removed), added: JSON.stringify(delta.added), stored_at: Date.now() });
      return undefined;
    }),
  );
  const compactTx = db.transaction((zone: string, version: StoredVersion, text: string): boolean => {
    const last = lastChange.get(zone);
    if (last === undefined || !isHeld(zone, version)) return false;
    upsertZone(envelopeFromRow({ ...last, name: zone, zone_text: text }));
    return true;
  });
  // Group commit: writes waiting for the next flush, each with its promise's settle functions.
  let waiting: Array<{ write: GroupedWrite; resolve: () => void; reject: (err: unknown) => void }> = [];
  const flush = (): void => {
    const group = waiting;
    waiting = [];
    let failed: Array<Error | undefined>;
    try {
      failed = writeManyTx(group.map((w) => w.write));
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    wal.sync().then(
      () => group.forEach((w, i) => (failed[i] === undefined ? w.resolve() : w.reject(failed[i]))),
      (err: unknown) => {
        for (const w of group) w.reject(err);
      },
    );
  };
  const grouped = (write: GroupedWrite): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ write, resolve, reject });
    });
  return {
    all: (onUnreadable) => reader.all(onUnreadable),
    get: (zone) => reader.get(zone),
    serials: () => new Map(selectSerials.all().map((r) => [r.name, r.serial])),
    put: (zone) => durably(() => void writeManyTx([{ zone }])),
    putGrouped: (zone) => grouped({ zone }),
    putChangeGrouped: (envelope, from, delta) => grouped({ change: { envelope, from, delta } }),
    changeCount: (zone) => countChanges.get(zone)?.n ?? 0,
    compact: (zone, version, text) => durably(() => compactTx(zone, version, text)),
    delete: (zone) =>
      durably(() =>
        db.transaction(() => {
          removeChanges.run(zone);
          return remove.run(zone).changes > 0;
        })(),
      ),
    close: () => {
      if (waiting.length > 0) flush(); // settle grouped writes still waiting before closing
      sqlite.close(); // closing checkpoints the log into the database file, synced
    },
  };
}
