// Compiles a zone's records into an immutable packed index at load time (NSD-style): numbered names, one RDATA arena.

import { dnsNameToWire, dottedQuadValue, nameKey, parseName, rdataToWire, RRType, typeToNumber } from "@pdns-distribute/dns";
import type { ZoneRecord, ZoneWireRecord } from "@pdns-distribute/dns";
import { compileNsecChain } from "./denial";
import { compileNsec3Index } from "./denial-nsec3";
import { ZoneCompileError } from "./errors";
import { NameFlag, NameTable } from "./name-table";
import { soaNumbers, TARGET_OFFSET } from "./rdata-fields";
import { SIG_BIT } from "./types";
import type { CompiledZone } from "./types";
import { copyBytes, WireName } from "./wire-name";
import { findKey, nameOf, sealZone } from "./zone-view";

/** Records read so far, in input order: owner number, key, TTL and `[RDLENGTH][RDATA]` in a growing arena. */
class RecordList {
  n = 0;
  name = new Int32Array(1024);
  key = new Uint32Array(1024);
  ttl = new Uint32Array(1024);
  data = new Uint32Array(1024);
  arena = Buffer.allocUnsafe(16384);
  used = 0;

  add(name: number, key: number, ttl: number, wire: Buffer): void {
    if (this.n === this.name.length) this.grow();
    if (this.used + wire.length + 2 > this.arena.length) {
      const bigger = Buffer.allocUnsafe(this.arena.length * 2 + wire.length + 2);
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.name[this.n] = name;
    this.key[this.n] = key;
    this.ttl[this.n] = ttl;
    this.data[this.n++] = this.used;
    this.arena.writeUInt16BE(wire.length, this.used);
    copyBytes(wire, 0, this.arena, this.used + 2, wire.length);
    this.used += wire.length + 2;
  }

  /** Adds an A record whose address is the 32-bit `address` (RFC 1035 §3.4.1). */
  addA(name: number, ttl: number, address: number): void {
    if (this.n === this.name.length) this.grow();
    if (this.used + 6 > this.arena.length) {
      const bigger = Buffer.allocUnsafe(this.arena.length * 2);
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    this.name[this.n] = name;
    this.key[this.n] = RRType.A;
    this.ttl[this.n] = ttl;
    this.data[this.n++] = this.used;
    this.arena[this.used] = 0;
    this.arena[this.used + 1] = 4;
    this.arena.writeUInt32BE(address, this.used + 2);
    this.used += 6;
  }

  private grow(): void {
    const size = this.name.length * 2;
    const grown = <T extends Int32Array | Uint32Array>(a: T, b: T): T => (b.set(a), b);
    this.name = grown(this.name, new Int32Array(size));
    this.key = grown(this.key, new Uint32Array(size));
    this.ttl = grown(this.ttl, new Uint32Array(size));
    this.data = grown(this.data, new Uint32Array(size));
  }
}

/**
 * Compiles the records of the zone `origin` into a {@link CompiledZone}. Records outside the zone are dropped;
 * RDATA is converted to wire form once, here, unless a record already carries it ({@link ZoneWireRecord}, from
 * `parseZoneTextWire`). Throws {@link ZoneCompileError} when the apex has no SOA or a record's RDATA cannot be
 * encoded. The result is never mutated: to change a zone, compile a new one.
 */
export function compileZone(origin: string, records: readonly (ZoneRecord | ZoneWireRecord)[]): CompiledZone {
  const originName = parseName(origin);
  const originWire = dnsNameToWire(originName);
  const originLabels = originName.labels.length;
  const names = new NameTable(1024);
  const list = new RecordList();
  const scratch = new WireName();
  // Records usually come grouped by owner: remember the last name looked up (per name space).
  const lastName = ["", ""];
  const lastId = [-1, -1];
  for (const record of records) {
    const known = (record as Partial<ZoneWireRecord>).wire;
    const a = known === undefined && record.type === "A" ? dottedQuadValue(record.rdata) : -1;
    const { type, wire } =
      known !== undefined ? { type: (record as ZoneWireRecord).typeNumber, wire: known } : a >= 0 ? { type: RRType.A, wire: null } : encodeRecord(record);
    const covered = type === RRType.RRSIG && wire !== null ? wire.readUInt16BE(0) : -1;
    // NSEC3 owner names are not part of the zone's name space (RFC 5155 §7.2.8): keep them apart.
    const nsec3 = type === RRType.NSEC3 || covered === RRType.NSEC3 ? 1 : 0;
    let id = lastId[nsec3] ?? 0;
    if (record.name !== lastName[nsec3] || id === -1) {
      id = internName(names, record.name, nsec3, originWire, originLabels, scratch);
      lastName[nsec3] = record.name;
      lastId[nsec3] = id;
    }
    if (id < 0) continue;
    if (wire === null) list.addA(id, record.ttl, a);
    else list.add(id, covered >= 0 ? SIG_BIT | covered : type, record.ttl, wire);
  }
  names.trim();
  const rr = buildRRsets(names, list);
  setNameFlags(names, rr.rrStart, rr.rrKey);
  const zone = { origin: originName, originWire, originLabels, names, ...rr, moved: null };
  checkTargets(zone);
  const soa = findKey(zone, 0, RRType.SOA);
  if (soa < 0) throw new ZoneCompileError(`zone ${nameKey(originName)} has no SOA record at its apex`);
  const soaData = zone.arena.subarray(zone.rrData[soa] ?? 0);
  const { serial, minimum } = soaNumbers(soaData.subarray(2, 2 + soaData.readUInt16BE(0)));
  const partial = { ...zone, soa, serial, negativeTtl: Math.min(zone.rrTtl[soa] ?? 0, minimum), recordCount: list.n };
  return sealZone(partial, { nsec: compileNsecChain(partial), nsec3: compileNsec3Index(partial) });
}

/** Type number and wire RDATA of one record, or a {@link ZoneCompileError} naming the record. */
function encodeRecord(record: ZoneRecord): { type: number; wire: Buffer } {
  try {
    return { type: typeToNumber(record.type), wire: rdataToWire(record.type, record.rdata) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ZoneCompileError(`cannot compile ${record.name} ${record.type} ${record.rdata}: ${reason}`, {
      cause: err,
    });
  }
}

/** Numbers an owner name and its ancestors below the apex; -1 when it lies outside the zone. */
function internName(
  names: NameTable,
  text: string,
  nsec3: number,
  originWire: Buffer,
  originLabels: number,
  scratch: WireName,
): number {
  if (!fastPresentationToWire(text, scratch)) scratch.fromDnsName(parseName(text));
  if (!scratch.isAtOrBelow(originWire)) return -1;
  let id = 0;
  for (let i = scratch.labels - originLabels - 1; i >= 0; i--) {
    id = names.intern(id, nsec3, scratch.buf, scratch.offs[i] ?? 0);
  }
  return id;
}

/** Plain ASCII names without escapes straight to lower-case wire form; false for anything else (parsed slowly). */
function fastPresentationToWire(text: string, into: WireName): boolean {
  const end = text.endsWith(".") ? text.length - 1 : text.length;
  if (end === 0 || end > 253) return false;
  let pos = 0;
  let labelStart = 0;
  let labels = 0;
  for (let i = 0; i <= end; i++) {
    const c = i === end ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      const len = pos - labelStart;
      if (len === 0 || len > 63) return false;
      into.buf[labelStart] = len;
      into.offs[labels++] = labelStart;
      labelStart = ++pos;
    } else {
      if (c === 0x5c || c >= 0x80) return false;
      into.buf[++pos] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    }
  }
  into.buf[pos] = 0;
  into.len = pos + 1;
  into.labels = labels;
  return true;
}

/**
 * Groups the records by name (counting sort) and by type in first-seen order; an RRset takes its lowest TTL
 * (RFC 2181 §5.2) and drops duplicate RDATA (RFC 2181 §5). Copies the records into the final arena, RRset by RRset.
 */
function buildRRsets(names: NameTable, list: RecordList) {
  const n = list.n;
  const count = names.count;
  const byName = new Uint32Array(count + 1);
  for (let r = 0; r < n; r++) {
    const slot = (list.name[r] ?? 0) + 1;
    byName[slot] = (byName[slot] ?? 0) + 1;
  }
  for (let i = 0; i < count; i++) byName[i + 1] = (byName[i + 1] ?? 0) + (byName[i] ?? 0);
  const order = new Uint32Array(n);
  const cursor = byName.slice(0, count);
  for (let r = 0; r < n; r++) {
    const id = list.name[r] ?? 0;
    const at = cursor[id] ?? 0;
    cursor[id] = at + 1;
    order[at] = r;
  }
  const rrStart = new Uint32Array(count + 1);
  const rrKey = new Uint32Array(n);
  const rrTtl = new Uint32Array(n);
  const rrData = new Uint32Array(n);
  const rrCount = new Uint32Array(n);
  let arena = Buffer.allocUnsafe(list.used);
  let used = 0;
  let sets = 0;
  const done = new Uint8Array(n);
  const src = list.arena;
  for (let i = 0; i < count; i++) {
    rrStart[i] = sets;
    const end = byName[i + 1] ?? 0;
    for (let a = byName[i] ?? 0; a < end; a++) {
      if (done[a] === 1) continue;
      const key = list.key[order[a] ?? 0] ?? 0;
      let ttl = Infinity;
      const first = used;
      let records = 0;
      const seen = end - a > 16 ? new Set<string>() : null;
      for (let b = a; b < end; b++) {
        const r = order[b] ?? 0;
        if (done[b] === 1 || list.key[r] !== key) continue;
        done[b] = 1;
        ttl = Math.min(ttl, list.ttl[r] ?? 0);
        const at = list.data[r] ?? 0;
        const size = src.readUInt16BE(at) + 2;
        if (seen !== null) {
          const id = src.toString("latin1", at, at + size);
          if (seen.has(id)) continue;
          seen.add(id);
        } else if (isDuplicate(arena, first, used, src, at, size)) {
          continue;
        }
        copyBytes(src, at, arena, used, size);
        used += size;
        records++;
      }
      rrKey[sets] = key;
      rrTtl[sets] = ttl;
      rrData[sets] = first;
      rrCount[sets++] = records;
    }
  }
  rrStart[count] = sets;
  if (used < arena.length) arena = Buffer.from(arena.subarray(0, used));
  return {
    rrStart,
    rrKey: rrKey.slice(0, sets),
    rrTtl: rrTtl.slice(0, sets),
    rrData: rrData.slice(0, sets),
    rrCount: rrCount.slice(0, sets),
    arena,
  };
}

/** True when the record `[len][rdata]` at `src[at]` already is among the records `arena[from..to)`. */
function isDuplicate(arena: Buffer, from: number, to: number, src: Buffer, at: number, size: number): boolean {
  for (let p = from; p < to; p += arena.readUInt16BE(p) + 2) {
    if (arena.readUInt16BE(p) + 2 === size && arena.compare(src, at, at + size, p, p + size) === 0) return true;
  }
  return false;
}

/** Empty-non-terminal, delegation, DNAME and wildcard-parent flags from the RRsets compiled. */
function setNameFlags(names: NameTable, rrStart: Uint32Array, rrKey: Uint32Array): void {
  const flags = names.flags;
  for (let id = 0; id < names.count; id++) {
    const from = rrStart[id] ?? 0;
    const to = rrStart[id + 1] ?? 0;
    if (to > from) flags[id] = (flags[id] ?? 0) & ~NameFlag.EmptyNonTerminal;
    if (((flags[id] ?? 0) & NameFlag.Nsec3) !== 0) continue;
    for (let r = from; r < to; r++) {
      if (rrKey[r] === RRType.NS && id !== 0) flags[id] = (flags[id] ?? 0) | NameFlag.Delegation;
      if (rrKey[r] === RRType.DNAME) flags[id] = (flags[id] ?? 0) | NameFlag.Dname;
    }
    const at = names.labelOff[id] ?? 0;
    if (id !== 0 && names.labels[at] === 1 && names.labels[at + 1] === 0x2a) {
      const parent = names.parent[id] ?? 0;
      flags[parent] = (flags[parent] ?? 0) | NameFlag.WildcardParent;
    }
  }
}

/** Checks that every embedded name of NS, CNAME, DNAME, MX, SRV, SVCB and HTTPS RDATA is a valid uncompressed name. */
function checkTargets(zone: Pick<CompiledZone, "names" | "rrStart" | "rrKey" | "rrData" | "rrCount" | "arena" | "originWire">): void {
  const scratch = new WireName();
  for (let id = 0; id < zone.names.count; id++) {
    for (let r = zone.rrStart[id] ?? 0; r < (zone.rrStart[id + 1] ?? 0); r++) {
      const offset = TARGET_OFFSET[zone.rrKey[r] ?? 0];
      if (offset === undefined) continue;
      let at = zone.rrData[r] ?? 0;
      for (let k = 0; k < (zone.rrCount[r] ?? 0); k++) {
        const len = zone.arena.readUInt16BE(at);
        if (scratch.read(zone.arena, at + 2 + offset, at + 2 + len) < 0) {
          throw new ZoneCompileError(`bad RDATA at ${nameKey(nameOf(zone, id))} (type ${zone.rrKey[r]})`);
        }
        at += len + 2;
      }
    }
  }
}
