// The catalog of served zones: which compiled zone holds a name (longest suffix match on lower-case wire names).

import { nameKey, parseName } from "@pdns-distribute/dns";
import { RRType } from "./constants";
import type { DnsName } from "@pdns-distribute/dns";
import type { CompiledZone } from "./types";
import { labelHash, sameBytes, WireName } from "./wire-name";

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
  find(qname: DnsName | WireName, qtype?: number): CompiledZone | undefined;
  /** All served zones. */
  list(): CompiledZone[];
  /** Number of served zones. */
  readonly size: number;
  /** Counts the changes (put, remove): answers kept from an earlier generation are stale (packet-cache.ts). */
  readonly generation: number;
}

/** Hash of a whole lower-case wire name, label by label from the root (equal names, equal hashes). */
function suffixHashes(name: WireName, out: Int32Array): void {
  let h = 0;
  out[name.labels] = 0;
  for (let i = name.labels - 1; i >= 0; i--) {
    h = labelHash(h, name.buf, name.offs[i] ?? 0) | 0;
    out[i] = h;
  }
}

/** The zone of `bucket` whose origin is the suffix of `name` starting at `start`. */
function originIn(bucket: readonly CompiledZone[], name: WireName, start: number): CompiledZone | undefined {
  for (const zone of bucket) {
    if (zone.originWire.length === name.len - start && sameBytes(zone.originWire, 0, name.buf, start, name.len - start)) return zone;
  }
  return undefined;
}

const scratchName = new WireName();
const scratchHashes = new Int32Array(128);

/** Creates a {@link ZoneSet}, optionally filled with `zones`. */
export function createZoneSet(zones: Iterable<CompiledZone> = []): ZoneSet {
  const byOrigin = new Map<string, CompiledZone>();
  /** Zones by the hash of their origin's wire form (collisions share a bucket). */
  const byHash = new Map<number, CompiledZone[]>();
  const hashOf = (zone: CompiledZone): number => {
    scratchName.fromDnsName(zone.origin);
    suffixHashes(scratchName, scratchHashes);
    return (scratchHashes[0] ?? 0);
  };
  const unindex = (zone: CompiledZone): void => {
    const h = hashOf(zone);
    const bucket = (byHash.get(h) ?? []).filter((z) => z !== zone);
    if (bucket.length === 0) byHash.delete(h);
    else byHash.set(h, bucket);
  };
  // `generation` is a data property (not a getter): the UDP path reads it per query (packet-cache.ts).
  const set: { -readonly [K in keyof ZoneSet]: ZoneSet[K] } = {
    generation: 0,
    put(zone) {
      set.generation++;
      const previous = byOrigin.get(nameKey(zone.origin));
      if (previous !== undefined) unindex(previous);
      byOrigin.set(nameKey(zone.origin), zone);
      const h = hashOf(zone);
      byHash.set(h, [...(byHash.get(h) ?? []), zone]);
      return previous;
    },
    remove(origin) {
      set.generation++;
      const key = nameKey(parseName(origin));
      const previous = byOrigin.get(key);
      byOrigin.delete(key);
      if (previous !== undefined) unindex(previous);
      return previous;
    },
    get: (origin) => byOrigin.get(nameKey(parseName(origin))),
    find(qname, qtype) {
      let name: WireName;
      if (qname instanceof WireName) name = qname;
      else {
        scratchName.fromDnsName(qname);
        name = scratchName;
      }
      suffixHashes(name, scratchHashes);
      let apexMatch: CompiledZone | undefined;
      for (let i = 0; i <= name.labels; i++) {
        const bucket = byHash.get(scratchHashes[i] ?? 0);
        if (bucket === undefined) continue;
        const start = i === name.labels ? name.len - 1 : (name.offs[i] ?? 0);
        const zone = originIn(bucket, name, start);
        if (zone === undefined) continue;
        if (i > 0 || qtype !== RRType.DS || name.labels === 0) return zone;
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
