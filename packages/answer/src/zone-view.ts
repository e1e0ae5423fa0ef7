// Read-only values over a packed zone (names, RRsets, nodes) for tools, tests, logs and the pure lookup API.

import { nameFromLabels, parseName } from "@pdns-distribute/dns";
import { RRType } from "./constants";
import { NameFlag } from "./name-table";
import type { DnsName } from "@pdns-distribute/dns";
import { rdataTargets } from "./rdata-fields";
import { MOVED_SPAN, SIG_BIT } from "./types";
import type { CompiledZone, DenialIndex, RRset, ZoneNode, ZoneNodes } from "./types";
import { WireName } from "./wire-name";

/** The label "*" in wire form. */
const STAR = Buffer.from([1, 0x2a]);

/** Just what a view needs of a zone (views are also made while a zone is being compiled). */
type ZoneArrays = Pick<CompiledZone, "names" | "originWire" | "rrStart" | "moved" | "rrKey" | "rrTtl" | "rrData" | "rrCount" | "arena">;

/** A {@link DnsName} from a lower-case wire name. */
export function wireToName(wire: WireName): DnsName {
  const labels: Buffer[] = [];
  for (let i = 0; i < wire.labels; i++) {
    const at = wire.offs[i] ?? 0;
    labels.push(Buffer.from(wire.buf.subarray(at + 1, at + 1 + (wire.buf[at] ?? 0))));
  }
  return nameFromLabels(labels);
}

/** The name numbered `id`. */
export function nameOf(zone: Pick<ZoneArrays, "names" | "originWire">, id: number): DnsName {
  const wire = new WireName();
  zone.names.load(id, zone.originWire, wire);
  return wireToName(wire);
}

/** The RDATAs of RRset `r` (views into the arena). */
export function rdatasOf(zone: ZoneArrays, r: number): Buffer[] {
  const out: Buffer[] = [];
  let at = zone.rrData[r] ?? 0;
  for (let k = 0; k < (zone.rrCount[r] ?? 0); k++) {
    const len = zone.arena.readUInt16BE(at);
    out.push(zone.arena.subarray(at + 2, at + 2 + len));
    at += len + 2;
  }
  return out;
}

/** The record type of RRset `r` (RRSIG for signatures). */
export function typeOf(zone: Pick<ZoneArrays, "rrKey">, r: number): number {
  const key = zone.rrKey[r] ?? 0;
  return (key & SIG_BIT) !== 0 ? RRType.RRSIG : key;
}

/** RRset `r` as a value, owned by `owner` (default: its own name `id`), with TTL `ttl` (default: its own). */
export function rrsetOf(zone: ZoneArrays, r: number, owner: DnsName, ttl = (zone.rrTtl[r] ?? 0)): RRset {
  const type = typeOf(zone, r);
  const rdatas = rdatasOf(zone, r);
  return { owner, type, ttl, rdatas, targets: rdataTargets(type, rdatas) };
}

/** Name `id` as a {@link ZoneNode} value. */
export function nodeOf(zone: ZoneArrays, id: number): ZoneNode {
  const name = nameOf(zone, id);
  const rrsets = new Map<number, RRset>();
  const sigs = new Map<number, RRset>();
  for (let r = rrFirst(zone, id); r < rrEnd(zone, id); r++) {
    const key = zone.rrKey[r] ?? 0;
    if ((key & SIG_BIT) !== 0) sigs.set(key & 0xffff, rrsetOf(zone, r, name));
    else rrsets.set(key, rrsetOf(zone, r, name));
  }
  const flags = zone.names.flags[id] ?? 0;
  return {
    id,
    name,
    rrsets,
    sigs,
    emptyNonTerminal: (flags & NameFlag.EmptyNonTerminal) !== 0,
    delegation: (flags & NameFlag.Delegation) !== 0,
    get wildcard() {
      return (flags & NameFlag.WildcardParent) === 0 ? null : nodeOf(zone, zone.names.find(id, 0, STAR, 0));
    },
  };
}

/** The {@link ZoneNodes} view of a zone. */
export function zoneNodes(zone: CompiledZone): ZoneNodes {
  const find = (key: string): number => {
    const wire = new WireName();
    wire.fromDnsName(parseName(key));
    return wire.isAtOrBelow(zone.originWire) ? zone.names.findName(wire, zone.originLabels) : -1;
  };
  let size = -1;
  return {
    get: (key) => {
      const id = find(key);
      return id < 0 ? undefined : nodeOf(zone, id);
    },
    has: (key) => find(key) >= 0,
    get size() {
      if (size < 0) {
        size = 0;
        for (let id = 0; id < zone.names.count; id++) if (((zone.names.flags[id] ?? 0) & (NameFlag.Nsec3 | NameFlag.Removed)) === 0) size++;
      }
      return size;
    },
  };
}

/** The frozen compiled zone of `partial` and its denial index: the apex and the name views made over them. */
export function sealZone(partial: Omit<CompiledZone, "denial" | "apex" | "nodes">, denial: DenialIndex): CompiledZone {
  const compiled: CompiledZone = { ...partial, denial, nodes: undefined as never, apex: nodeOf(partial, 0) };
  return Object.freeze({ ...compiled, nodes: zoneNodes(compiled) });
}

/** The RRset of `key` (a type, or `SIG_BIT | covered`) at name `id`; -1 when there is none. */
export function findKey(zone: Pick<CompiledZone, "rrStart" | "rrKey" | "moved">, id: number, key: number): number {
  let r = zone.rrStart[id] ?? 0;
  let end = zone.rrStart[id + 1] ?? 0;
  const moved = zone.moved;
  if (moved !== null) {
    const at = moved.get(id);
    if (at !== undefined) {
      r = Math.floor(at / MOVED_SPAN);
      end = r + (at % MOVED_SPAN);
    }
  }
  for (; r < end; r++) if (zone.rrKey[r] === key) return r;
  return -1;
}

/** The first RRset of name `id`. */
export function rrFirst(zone: Pick<CompiledZone, "rrStart" | "moved">, id: number): number {
  const at = zone.moved?.get(id);
  return at === undefined ? (zone.rrStart[id] ?? 0) : Math.floor(at / MOVED_SPAN);
}

/** One past the last RRset of name `id`. */
export function rrEnd(zone: Pick<CompiledZone, "rrStart" | "moved">, id: number): number {
  const at = zone.moved?.get(id);
  return at === undefined ? (zone.rrStart[id + 1] ?? 0) : Math.floor(at / MOVED_SPAN) + (at % MOVED_SPAN);
}
