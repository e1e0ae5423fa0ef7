// Compiles a zone's records into an immutable in-memory index at load time (NSD-style): wire RDATA, nodes, flags.

import { rdataToWire, typeToNumber } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { RRType } from "./constants";
import { compileNsecChain } from "./denial";
import { compileNsec3Index } from "./denial-nsec3";
import { ZoneCompileError } from "./errors";
import { ancestorWithLabels, isAtOrBelow, nameKey, parseName } from "./names";
import type { DnsName } from "./names";
import { rdataTargets, rrsigTypeCovered, soaNumbers } from "./rdata-fields";
import type { CompiledZone, RRset, ZoneNode } from "./types";

/** RRset under construction: TTL is the minimum seen (RFC 2181 §5.2), duplicate RDATA dropped (RFC 2181 §5). */
interface RRsetDraft {
  ttl: number;
  rdatas: Buffer[];
  seen: Set<string>;
}

/** Everything recorded at one owner name before nodes are built. */
interface OwnerDraft {
  name: DnsName;
  types: Map<number, RRsetDraft>;
  sigs: Map<number, RRsetDraft>;
}

/** Mutable twin of {@link ZoneNode}, used only while compiling. */
interface NodeDraft {
  name: DnsName;
  rrsets: Map<number, RRset>;
  sigs: Map<number, RRset>;
  emptyNonTerminal: boolean;
  wildcard: ZoneNode | null;
  delegation: boolean;
  dname: RRset | null;
}

/**
 * Compiles the records of the zone `origin` into a {@link CompiledZone}. Records outside the zone are dropped;
 * RDATA is converted to wire form once, here. Throws {@link ZoneCompileError} when the apex has no SOA or a
 * record's RDATA cannot be encoded. The result is never mutated: to change a zone, compile a new one.
 */
export function compileZone(origin: string, records: readonly ZoneRecord[]): CompiledZone {
  const originName = parseName(origin);
  const owners = new Map<string, OwnerDraft>();
  const nsec3Owners = new Map<string, OwnerDraft>();
  const nameCache = new Map<string, DnsName>();
  let recordCount = 0;
  for (const record of records) {
    let name = nameCache.get(record.name);
    if (name === undefined) {
      name = parseName(record.name);
      nameCache.set(record.name, name);
    }
    if (!isAtOrBelow(name, originName)) continue;
    const { type, wire } = encodeRecord(record);
    const covered = type === RRType.RRSIG ? rrsigTypeCovered(wire) : undefined;
    // NSEC3 owner names are not part of the zone's name space (RFC 5155 §7.2.8): keep them apart.
    const target = type === RRType.NSEC3 || covered === RRType.NSEC3 ? nsec3Owners : owners;
    addRecord(target, name, covered ?? type, covered !== undefined, record.ttl, wire);
    recordCount++;
  }
  const nodes = buildNodes(originName, owners);
  const apex = nodes.get(nameKey(originName));
  const soa = apex?.rrsets.get(RRType.SOA);
  if (apex === undefined || soa === undefined) {
    throw new ZoneCompileError(`zone ${nameKey(originName)} has no SOA record at its apex`);
  }
  const { serial, minimum } = soaNumbers(soa.rdatas[0] as Buffer);
  const nsec3Nodes = [...nsec3Owners.values()].map((o): ZoneNode => toNodeDraft(o));
  return {
    origin: originName,
    apex,
    nodes,
    soa,
    serial,
    negativeTtl: Math.min(soa.ttl, minimum),
    denial: { nsec: compileNsecChain(nodes.values()), nsec3: compileNsec3Index(originName, apex, nsec3Nodes) },
    recordCount,
  };
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

/** Files one record under its owner, by type (or by type covered, for an RRSIG). */
function addRecord(
  owners: Map<string, OwnerDraft>,
  name: DnsName,
  type: number,
  isSig: boolean,
  ttl: number,
  wire: Buffer,
): void {
  const key = nameKey(name);
  let owner = owners.get(key);
  if (owner === undefined) {
    owner = { name, types: new Map(), sigs: new Map() };
    owners.set(key, owner);
  }
  const map = isSig ? owner.sigs : owner.types;
  let draft = map.get(type);
  if (draft === undefined) {
    draft = { ttl, rdatas: [], seen: new Set() };
    map.set(type, draft);
  }
  draft.ttl = Math.min(draft.ttl, ttl);
  const id = wire.toString("latin1");
  if (!draft.seen.has(id)) {
    draft.seen.add(id);
    draft.rdatas.push(wire);
  }
}

/** Builds the nodes: one per owner, plus empty non-terminals, then wildcard, delegation and DNAME flags. */
function buildNodes(origin: DnsName, owners: Map<string, OwnerDraft>): Map<string, ZoneNode> {
  const drafts = new Map<string, NodeDraft>();
  for (const [key, owner] of owners) drafts.set(key, toNodeDraft(owner));
  // Every ancestor of an owner down to the apex exists; those with no data are empty non-terminals.
  for (const owner of owners.values()) {
    for (let n = owner.name.labels.length - 1; n >= origin.labels.length; n--) {
      const key = owner.name.keys[owner.name.labels.length - n] as string;
      if (!drafts.has(key)) drafts.set(key, emptyDraft(ancestorWithLabels(owner.name, n)));
    }
  }
  const apexKey = nameKey(origin);
  const nodes = new Map<string, ZoneNode>();
  for (const [key, draft] of drafts) {
    draft.delegation = key !== apexKey && draft.rrsets.has(RRType.NS);
    draft.dname = draft.rrsets.get(RRType.DNAME) ?? null;
    nodes.set(key, draft);
  }
  for (const [key, draft] of drafts) {
    const first = draft.name.labels[0];
    if (key === apexKey || first === undefined || first.length !== 1 || first[0] !== 0x2a) continue;
    const parent = drafts.get(draft.name.keys[1] as string);
    if (parent !== undefined) parent.wildcard = draft;
  }
  return nodes;
}

/** Turns an owner's record drafts into a node draft holding finished RRsets. */
function toNodeDraft(owner: OwnerDraft): NodeDraft {
  const draft = emptyDraft(owner.name);
  for (const [type, rr] of owner.types) draft.rrsets.set(type, finishRRset(owner.name, type, rr));
  for (const [type, rr] of owner.sigs) draft.sigs.set(type, finishRRset(owner.name, RRType.RRSIG, rr));
  draft.emptyNonTerminal = draft.rrsets.size === 0 && draft.sigs.size === 0;
  return draft;
}

function emptyDraft(name: DnsName): NodeDraft {
  return {
    name,
    rrsets: new Map(),
    sigs: new Map(),
    emptyNonTerminal: true,
    wildcard: null,
    delegation: false,
    dname: null,
  };
}

function finishRRset(owner: DnsName, type: number, draft: RRsetDraft): RRset {
  let targets: DnsName[];
  try {
    targets = rdataTargets(type, draft.rdatas);
  } catch (err) {
    throw new ZoneCompileError(`bad RDATA at ${nameKey(owner)} (type ${type})`, { cause: err });
  }
  return { owner, type, ttl: draft.ttl, rdatas: draft.rdatas, targets };
}

/** A catalog of compiled zones answering "which served zone holds this name?" (most specific zone wins). */
export interface ZoneSet {
  /** Installs or replaces a zone by swapping one reference; lookups already holding the old zone finish on it. */
  put(zone: CompiledZone): CompiledZone | undefined;
  /** Stops serving the zone `origin`; returns it, or undefined when it was not served. */
  remove(origin: string): CompiledZone | undefined;
  /** The zone whose apex is `origin`, if served. */
  get(origin: string): CompiledZone | undefined;
  /**
   * The most specific served zone containing `qname` (longest suffix match). For a DS query at a zone apex the
   * parent zone is preferred when it is served too: DS lives on the parent side of a cut (RFC 4035 §3.1.4.1).
   */
  find(qname: DnsName, qtype?: number): CompiledZone | undefined;
  /** All served zones. */
  list(): CompiledZone[];
  /** Number of served zones. */
  readonly size: number;
}

/** Creates a {@link ZoneSet}, optionally filled with `zones`. */
export function createZoneSet(zones: Iterable<CompiledZone> = []): ZoneSet {
  const byOrigin = new Map<string, CompiledZone>();
  const set: ZoneSet = {
    put(zone) {
      const previous = byOrigin.get(nameKey(zone.origin));
      byOrigin.set(nameKey(zone.origin), zone);
      return previous;
    },
    remove(origin) {
      const key = nameKey(parseName(origin));
      const previous = byOrigin.get(key);
      byOrigin.delete(key);
      return previous;
    },
    get: (origin) => byOrigin.get(nameKey(parseName(origin))),
    find(qname, qtype) {
      let apexMatch: CompiledZone | undefined;
      for (let i = 0; i < qname.keys.length; i++) {
        const zone = byOrigin.get(qname.keys[i] as string);
        if (zone === undefined) continue;
        if (i > 0 || qtype !== RRType.DS || qname.labels.length === 0) return zone;
        apexMatch = zone;
      }
      return apexMatch;
    },
    list: () => [...byOrigin.values()],
    get size() {
      return byOrigin.size;
    },
  };
  for (const zone of zones) set.put(zone);
  return set;
}
