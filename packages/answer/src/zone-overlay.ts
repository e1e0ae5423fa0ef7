// Applies a few RRset changes to a compiled zone in time proportional to the change: a new version over shared arrays.

import { parseName, rdataToWire, RRType, typeToNumber } from "@pdns-distribute/dns";
import type { ZoneRecord, ZoneWireRecord } from "@pdns-distribute/dns";
import { ZoneCompileError } from "./errors";
import { NameFlag, NameTable } from "./name-table";
import { soaNumbers, TARGET_OFFSET } from "./rdata-fields";
import { MOVED_SPAN } from "./types";
import type { CompiledZone } from "./types";
import { WireName } from "./wire-name";
import { findKey, rrEnd, rrFirst, sealZone } from "./zone-view";

/** One change: the records of (`name`, `type`) become `records` (all of that owner and type); none removes the RRset. */
export interface RRsetChange {
  /** Owner name, presentation form. */
  readonly name: string;
  /** Type mnemonic or "TYPE<n>". */
  readonly type: string;
  readonly records: readonly (ZoneRecord | ZoneWireRecord)[];
}

/** The zone with the changes applied, or why they cannot be (then compile the changed zone whole, as before). */
export type OverlayResult = { zone: CompiledZone; reason: null } | { zone: null; reason: string };

/**
 * The arrays a line of versions shares. Each version reads only the names below its own count and the RRsets and
 * arena octets below its own lengths, and only the newest version (`head`) appends past them, so no version ever
 * sees a change made after it. Per version, the name flags (one octet a name) and the map of moved names are copied.
 */
interface Line {
  /** The newest version; null once filing a change failed half way (the line takes no more changes). */
  head: CompiledZone | null;
  names: NameTable;
  /** RRset ranges of the names as compiled whole (never changed), and of the names moved since, as the head has them. */
  rrStart: Uint32Array;
  moved: Map<number, number>;
  /** Number of live children of each name, as the head has them. */
  liveKids: Int32Array;
  rrKey: Uint32Array;
  rrTtl: Uint32Array;
  rrData: Uint32Array;
  rrCount: Uint32Array;
  sets: number;
  arena: Buffer;
  used: number;
}

/** Each version's line and the number of RRset changes it carries since its zone was compiled whole. */
const versions = new WeakMap<CompiledZone, { line: Line; changes: number }>();

/** Types whose change needs more than new data at one name (denial chains, zone cuts, DNAME redirection). */
const SLOW_TYPES = new Set<number>([RRType.RRSIG, RRType.NSEC, RRType.NSEC3, RRType.NSEC3PARAM, RRType.DNAME]);

/** A change checked and encoded, ready to file. */
interface Prepared {
  name: string;
  wire: WireName;
  key: number;
  ttl: number;
  rdatas: Buffer[];
}

/**
 * Applies `changes` (in order; a later change of the same RRset wins) to `zone` and returns the new version; `zone`
 * itself is not changed and may go on being served. Takes time proportional to the change and to the names moved
 * since the last whole compile, plus a copy of one octet per name (the flags). Applies to unsigned zones and changes
 * of any type but RRSIG, NSEC, NSEC3, NSEC3PARAM, DNAME and NS below the apex, with exactly one apex SOA; `zone` must
 * be a compiled zone or the newest version made from one. Anything else gives `{ zone: null, reason }`. Throws {@link ZoneCompileError} for
 * RDATA {@link compileZone} would refuse. A replaced RRset keeps its place among the types of its name; a new one goes
 * before the first type that sorts after it (SOA first, then by type number), as in a canonical zone text.
 */
export function applyRRsetChanges(zone: CompiledZone, changes: readonly RRsetChange[]): OverlayResult {
  const known = versions.get(zone);
  if (known !== undefined && known.line.head !== zone) return notApplicable("a later version was made from this one");
  if (known === undefined && zone.moved !== null) return notApplicable("not a compiled zone");
  if (zone.denial.nsec.length > 0 || zone.denial.nsec3 !== null) return notApplicable("the zone is signed (NSEC/NSEC3 chain)");
  const prepared: Prepared[] = [];
  for (const change of changes) {
    const p = prepareChange(zone, change);
    if (typeof p === "string") return notApplicable(p);
    prepared.push(p);
  }
  const line = known?.line ?? lineOf(zone);
  let recordCount = zone.recordCount;
  let next: CompiledZone;
  try {
    for (const p of prepared) recordCount += fileChange(line, zone, p);
    next = versionOf(line, zone, recordCount);
  } catch (err) {
    line.head = null;
    throw err;
  }
  versions.set(next, { line, changes: (known?.changes ?? 0) + prepared.length });
  line.head = next;
  return { zone: next, reason: null };
}

/** Number of RRset changes `zone` carries on top of the zone last compiled whole (0 for a compiled zone). */
export function overlayChanges(zone: CompiledZone): number {
  return versions.get(zone)?.changes ?? 0;
}

function notApplicable(reason: string): OverlayResult {
  return { zone: null, reason };
}

/** Checks and encodes one change; a string says why it cannot take the fast path. */
function prepareChange(zone: CompiledZone, change: RRsetChange): Prepared | string {
  const wire = new WireName();
  wire.fromDnsName(parseName(change.name));
  if (!wire.isAtOrBelow(zone.originWire)) return `${change.name} is outside the zone`;
  const key = typeToNumber(change.type);
  const apex = wire.labels === zone.originLabels;
  if (SLOW_TYPES.has(key) || (key === RRType.NS && !apex)) return `a change of ${change.type} at ${change.name}`;
  if (key === RRType.SOA && apex && change.records.length !== 1) return "the apex SOA must stay one record";
  let ttl = Infinity;
  const rdatas: Buffer[] = [];
  const seen = new Set<string>();
  for (const record of change.records) {
    const data = encodeRdata(record, change.type);
    checkTarget(key, data, change.name);
    ttl = Math.min(ttl, record.ttl);
    const id = data.toString("latin1");
    if (seen.has(id)) continue; // duplicate RDATA (RFC 2181 §5)
    seen.add(id);
    rdatas.push(data);
  }
  return { name: change.name, wire, key, ttl: rdatas.length > 0 ? ttl : 0, rdatas };
}

/** The wire RDATA of one record (already there for records from `parseZoneTextWire`). */
function encodeRdata(record: ZoneRecord | ZoneWireRecord, type: string): Buffer {
  const known = (record as Partial<ZoneWireRecord>).wire;
  if (known !== undefined) return known;
  try {
    return rdataToWire(type, record.rdata);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ZoneCompileError(`cannot compile ${record.name} ${type} ${record.rdata}: ${reason}`, { cause: err });
  }
}

const scratch = new WireName();

/** The embedded name of NS, CNAME, MX, SRV, SVCB, HTTPS RDATA must be a valid uncompressed name (as compileZone checks). */
function checkTarget(key: number, data: Buffer, owner: string): void {
  const offset = TARGET_OFFSET[key];
  if (offset !== undefined && scratch.read(data, offset, data.length) < 0) throw new ZoneCompileError(`bad RDATA at ${owner} (type ${key})`);
}

/** The shared arrays of a new line of versions starting at the compiled `zone` (its arrays copied once, with room). */
function lineOf(zone: CompiledZone): Line {
  const np = zone.names.toParts();
  const names = NameTable.fromParts({ ...np });
  const count = np.count;
  names.reserve(Math.max(1024, count >> 4), Math.max(16384, np.labelsUsed >> 4));
  const sets = zone.rrKey.length;
  const room = sets + Math.max(4096, sets >> 4);
  const grown = <T extends Uint32Array>(a: T, size: number): T => {
    const b = new Uint32Array(size) as T;
    b.set(a);
    return b;
  };
  const capacity = names.parent.length;
  const liveKids = new Int32Array(capacity);
  const arena = Buffer.allocUnsafe(zone.arena.length + Math.max(1 << 20, zone.arena.length >> 4));
  zone.arena.copy(arena);
  const line: Line = {
    head: zone,
    names,
    rrStart: zone.rrStart,
    moved: new Map(),
    liveKids,
    rrKey: grown(zone.rrKey, room),
    rrTtl: grown(zone.rrTtl, room),
    rrData: grown(zone.rrData, room),
    rrCount: grown(zone.rrCount, room),
    sets,
    arena,
    used: zone.arena.length,
  };
  // Every compiled name is live (it holds data or is above a name that does); parents are numbered before children.
  for (let id = count - 1; id > 0; id--) {
    const parent = names.parent[id] ?? 0;
    liveKids[parent] = (liveKids[parent] ?? 0) + 1;
  }
  return line;
}

/** True when name `id` holds RRsets (as the head has it). */
function hasData(line: Line, id: number): boolean {
  return rrEnd(line, id) > rrFirst(line, id);
}

/** A live name holds data or has a live child; others are removed (hidden from lookups). */
function isLive(line: Line, id: number): boolean {
  return hasData(line, id) || (line.liveKids[id] ?? 0) > 0;
}

/** Files one change into the line's head arrays; returns the change in the number of records. */
function fileChange(line: Line, zone: CompiledZone, p: Prepared): number {
  const id = p.rdatas.length > 0 ? internName(line, zone, p.wire) : findName(line, zone, p.wire);
  if (id < 0) return 0;
  const was = isLive(line, id);
  const from = rrFirst(line, id);
  const to = rrEnd(line, id);
  if (to - from + 1 >= MOVED_SPAN) throw new ZoneCompileError(`too many RRsets at ${p.name}`);
  ensureRoom(line, to - from + 1, p.rdatas.reduce((n, d) => n + d.length + 2, 0));
  const start = line.sets;
  // A new type goes in sorted place; a replaced one stays where it was.
  let sorted = p.rdatas.length === 0 || findKey(line, id, p.key) >= 0;
  let delta = p.rdatas.length;
  for (let r = from; r < to; r++) {
    const key = line.rrKey[r] ?? 0;
    if (!sorted && typeRank(key) > typeRank(p.key)) {
      writeRRset(line, p);
      sorted = true;
    }
    if (key !== p.key) copyRRset(line, r);
    else {
      delta -= line.rrCount[r] ?? 0;
      if (p.rdatas.length > 0) writeRRset(line, p);
    }
  }
  if (!sorted) writeRRset(line, p);
  line.moved.set(id, start * MOVED_SPAN + (line.sets - start));
  settleLiveness(line, id, was);
  return delta;
}

/** Where a new type goes among a name's RRsets: the order of a canonical zone text (SOA first, then by number). */
function typeRank(key: number): number {
  return key === RRType.SOA ? 0 : key;
}

/** The number of an existing name (removed ones included), or -1. */
function findName(line: Line, zone: CompiledZone, wire: WireName): number {
  let id = 0;
  for (let i = wire.labels - zone.originLabels - 1; i >= 0 && id >= 0; i--) id = line.names.findAny(id, 0, wire.buf, wire.offs[i] ?? 0);
  return id;
}

/** The number of a name, created with its missing ancestors (removed until data makes them live). */
function internName(line: Line, zone: CompiledZone, wire: WireName): number {
  const names = line.names;
  let id = 0;
  for (let i = wire.labels - zone.originLabels - 1; i >= 0; i--) {
    const before = names.count;
    id = names.intern(id, 0, wire.buf, wire.offs[i] ?? 0);
    if (id < before) continue;
    if (names.count > line.liveKids.length) growNames(line, names.parent.length);
    names.flags[id] = (names.flags[id] ?? 0) | NameFlag.Removed;
    line.moved.set(id, 0);
    line.liveKids[id] = 0;
  }
  return id;
}

/** New, larger per-name arrays of the line (the old ones stay with the versions using them). */
function growNames(line: Line, size: number): void {
  const liveKids = new Int32Array(size);
  liveKids.set(line.liveKids);
  line.liveKids = liveKids;
}

/** Room for `sets` more RRsets and `bytes` more arena octets, in new arrays when the current ones are full. */
function ensureRoom(line: Line, sets: number, bytes: number): void {
  if (line.sets + sets > line.rrKey.length) {
    const size = (line.sets + sets) * 2;
    const grow = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(size);
      b.set(a.subarray(0, line.sets));
      return b;
    };
    line.rrKey = grow(line.rrKey);
    line.rrTtl = grow(line.rrTtl);
    line.rrData = grow(line.rrData);
    line.rrCount = grow(line.rrCount);
  }
  if (line.used + bytes > line.arena.length) {
    const arena = Buffer.allocUnsafe((line.used + bytes) * 2);
    line.arena.copy(arena, 0, 0, line.used);
    line.arena = arena;
  }
}

/** Appends a copy of RRset `r`'s entry (its records stay where they are in the arena). */
function copyRRset(line: Line, r: number): void {
  const s = line.sets++;
  line.rrKey[s] = line.rrKey[r] ?? 0;
  line.rrTtl[s] = line.rrTtl[r] ?? 0;
  line.rrData[s] = line.rrData[r] ?? 0;
  line.rrCount[s] = line.rrCount[r] ?? 0;
}

/** Appends the new RRset of a change, its records `[RDLENGTH][RDATA]` at the end of the arena. */
function writeRRset(line: Line, p: Prepared): void {
  const s = line.sets++;
  line.rrKey[s] = p.key;
  line.rrTtl[s] = p.ttl;
  line.rrData[s] = line.used;
  line.rrCount[s] = p.rdatas.length;
  for (const data of p.rdatas) {
    line.arena.writeUInt16BE(data.length, line.used);
    data.copy(line.arena, line.used + 2);
    line.used += data.length + 2;
  }
}

/**
 * After the data of name `id` changed (it was live: `was`): flags it empty non-terminal or not, and where it came
 * or went, removes or restores it and its ancestors (RFC 4592 §2.2.2: a name exists when it or a name below it holds
 * data), and sets its parent's wildcard flag when it is a "*" label.
 */
function settleLiveness(line: Line, id: number, was: boolean): void {
  const { names } = line;
  const flags = names.flags;
  flags[id] = hasData(line, id) ? (flags[id] ?? 0) & ~NameFlag.EmptyNonTerminal : (flags[id] ?? 0) | NameFlag.EmptyNonTerminal;
  let node = id;
  let before = was;
  while (node > 0) {
    const now = isLive(line, node);
    if (now === before) return;
    flags[node] = now ? (flags[node] ?? 0) & ~NameFlag.Removed : (flags[node] ?? 0) | NameFlag.Removed;
    const parent = names.parent[node] ?? 0;
    const at = names.labelOff[node] ?? 0;
    if (names.labels[at] === 1 && names.labels[at + 1] === 0x2a) {
      flags[parent] = now ? (flags[parent] ?? 0) | NameFlag.WildcardParent : (flags[parent] ?? 0) & ~NameFlag.WildcardParent;
    }
    before = isLive(line, parent);
    line.liveKids[parent] = (line.liveKids[parent] ?? 0) + (now ? 1 : -1);
    node = parent;
  }
}

/** The head arrays of `line` as a new immutable version of `zone` (copies the flags and the moved names). */
function versionOf(line: Line, zone: CompiledZone, recordCount: number): CompiledZone {
  const np = line.names.toParts();
  const count = np.count;
  const names = NameTable.fromParts({
    ...np,
    parent: np.parent.subarray(0, count),
    labelOff: np.labelOff.subarray(0, count),
    flags: np.flags.slice(0, count),
  });
  const arrays = {
    names,
    rrStart: line.rrStart,
    moved: new Map(line.moved),
    rrKey: line.rrKey.subarray(0, line.sets),
    rrTtl: line.rrTtl.subarray(0, line.sets),
    rrData: line.rrData.subarray(0, line.sets),
    rrCount: line.rrCount.subarray(0, line.sets),
    arena: line.arena.subarray(0, line.used),
  };
  const soa = findKey(arrays, 0, RRType.SOA);
  const soaData = arrays.arena.subarray((arrays.rrData[soa] ?? 0) + 2);
  const { serial, minimum } = soaNumbers(soaData.subarray(0, arrays.arena.readUInt16BE((arrays.rrData[soa] ?? 0))));
  const negativeTtl = Math.min(arrays.rrTtl[soa] ?? 0, minimum);
  const { origin, originWire, originLabels } = zone;
  return sealZone({ origin, originWire, originLabels, ...arrays, soa, serial, negativeTtl, recordCount }, zone.denial);
}
