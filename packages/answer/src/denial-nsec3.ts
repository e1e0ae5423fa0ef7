// NSEC3 denial of existence (RFC 5155): hashing names, matching and covering NSEC3 records, proofs per §7.2.

import { createHash } from "node:crypto";
import { dnsNameToWire } from "@pdns-distribute/dns";
import { RRType } from "./constants";
import { addProofRRset, Proof } from "./denial-proof";
import { NameFlag } from "./name-table";
import type { DnsName } from "@pdns-distribute/dns";
import { decodeBase32Hex, readNsec3Params } from "./rdata-fields";
import type { Answer } from "./sections";
import type { CompiledZone, Nsec3Entry, Nsec3Index, Nsec3Params } from "./types";
import { WireName } from "./wire-name";
import { findKey } from "./zone-view";
import { rdatasOf } from "./zone-view";
import { present } from "./errors";

/** NSEC3 hash algorithm 1, SHA-1 (RFC 5155 §11): the only one defined. */
const SHA1 = 1;

/**
 * The NSEC3 hash of a name in wire form (RFC 5155 §5): IH(salt, x, 0) = H(x || salt),
 * IH(salt, x, k) = H(IH(k-1) || salt), with x the canonical (lower-case, uncompressed) wire form of the name.
 */
function hashWire(wire: Buffer, params: Nsec3Params): Buffer {
  let digest = createHash("sha1").update(wire).update(params.salt).digest();
  for (let i = 0; i < params.iterations; i++) {
    digest = createHash("sha1").update(digest).update(params.salt).digest();
  }
  return digest;
}

/** The NSEC3 hash of a name (RFC 5155 §5). */
export function nsec3Hash(name: DnsName, params: Nsec3Params): Buffer {
  return hashWire(dnsNameToWire(name), params);
}

type ZoneData = Pick<CompiledZone, "names" | "originWire" | "rrStart" | "moved" | "rrKey" | "rrTtl" | "rrData" | "rrCount" | "arena">;

/**
 * Indexes the NSEC3 owners of a zone by hash. Parameters come from the apex NSEC3PARAM (RFC 5155 §4), else from
 * the first NSEC3 owner. Returns null when the zone has no NSEC3 chain or uses an unknown hash algorithm.
 */
export function compileNsec3Index(zone: ZoneData): Nsec3Index | null {
  const { names } = zone;
  let first = -1;
  for (let id = 1; id < names.count && first < 0; id++) if (((names.flags[id] ?? 0) & NameFlag.Nsec3) !== 0) first = id;
  if (first < 0) return null;
  const param = findKey(zone, 0, RRType.NSEC3PARAM);
  const firstNsec3 = findKey(zone, first, RRType.NSEC3);
  const paramRdata = param >= 0 ? rdatasOf(zone, param)[0] : firstNsec3 >= 0 ? rdatasOf(zone, firstNsec3)[0] : undefined;
  if (paramRdata === undefined) return null;
  const params = readNsec3Params(paramRdata);
  if (params.algorithm !== SHA1) return null;
  const entries: Nsec3Entry[] = [];
  for (let id = first; id < names.count; id++) {
    if (((names.flags[id] ?? 0) & NameFlag.Nsec3) === 0 || names.parent[id] !== 0) continue;
    if (findKey(zone, id, RRType.NSEC3) < 0) continue;
    const at = names.labelOff[id] ?? 0;
    const hash = decodeBase32Hex(names.labels.toString("latin1", at + 1, at + 1 + (names.labels[at] ?? 0)));
    if (hash !== null) entries.push({ hash, id });
  }
  entries.sort((a, b) => Buffer.compare(a.hash, b.hash));
  return nsec3IndexOf(params, entries);
}

/** The NSEC3 index over `entries` already sorted by hash (also when a compiled zone is rebuilt from its parts). */
export function nsec3IndexOf(params: Nsec3Params, entries: Nsec3Entry[]): Nsec3Index {
  return { params, entries, byHash: new Map(entries.map((e) => [e.hash.toString("hex"), e])) };
}

/** Scratch names: the zone cut, and "*" + closest encloser. */
const cutName = new WireName();
const star = new WireName();

/** Appends the NSEC3 records proving `proof` (RFC 5155 §7.2.1 – §7.2.7). */
export function addNsec3Proof(
  out: Answer,
  zone: CompiledZone,
  index: Nsec3Index,
  proof: number,
  qname: WireName | null,
  node: number,
  cap: number,
): void {
  const chain = new Nsec3Chain(out, zone, index, cap);
  if (proof === Proof.InsecureDelegation) {
    // §7.2.7: the NSEC3 matching the cut (no DS bit), or under opt-out the closest provable encloser proof.
    zone.names.load(node, zone.originWire, cutName);
    if (!chain.addMatching(cutName.buf, 0, cutName.len)) chain.closestEncloserProof(cutName, cutName.labels - 1);
    return;
  }
  const name = present(qname, "query name");
  switch (proof) {
    case Proof.NxDomain: {
      // §7.2.2: closest encloser proof, plus the NSEC3 covering the wildcard at the closest encloser.
      const ce = chain.closestEncloserProof(name, zone.names.depth(node) + zone.originLabels);
      const at = name.suffixStart(ce);
      star.wildcardOf(name.buf, at, name.len - at);
      chain.addCovering(star.buf, 0, star.len);
      return;
    }
    case Proof.NoData:
      // §7.2.3: the matching NSEC3. §7.2.4: for DS without one (opt-out), the closest provable encloser proof.
      if (!chain.addMatching(name.buf, 0, name.len)) chain.closestEncloserProof(name, name.labels - 1);
      return;
    case Proof.WildcardNoData: {
      // §7.2.5: closest encloser proof, plus the NSEC3 matching the wildcard.
      const ce = chain.closestEncloserProof(name, zone.names.depth(node) + zone.originLabels);
      const at = name.suffixStart(ce);
      star.wildcardOf(name.buf, at, name.len - at);
      chain.addMatching(star.buf, 0, star.len);
      return;
    }
    case Proof.WildcardAnswer: {
      // §7.2.6: the NSEC3 covering the next closer name shows the query name itself does not exist.
      const at = name.suffixStart(zone.names.depth(node) + zone.originLabels + 1);
      chain.addCovering(name.buf, at, name.len);
      return;
    }
  }
}

/** Matching and covering look-ups over one zone's NSEC3 chain, adding to the authority section. */
class Nsec3Chain {
  constructor(
    private readonly out: Answer,
    private readonly zone: CompiledZone,
    private readonly index: Nsec3Index,
    private readonly cap: number,
  ) {}

  /** Adds the NSEC3 whose owner hash equals the hash of the name `buf[start..end)`; false when there is none. */
  addMatching(buf: Buffer, start: number, end: number): boolean {
    const entry = this.index.byHash.get(hashWire(buf.subarray(start, end), this.index.params).toString("hex"));
    if (entry === undefined) return false;
    addProofRRset(this.out, this.zone, entry.id, RRType.NSEC3, this.cap);
    return true;
  }

  /** Adds the NSEC3 whose span covers the hash of the name: the last owner hash below it, wrapping around. */
  addCovering(buf: Buffer, start: number, end: number): void {
    const hash = hashWire(buf.subarray(start, end), this.index.params);
    const entries = this.index.entries;
    let lo = 0;
    let hi = entries.length - 1;
    let found = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare(present(entries[mid], "NSEC3 entry").hash, hash) < 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const entry = entries[found];
    if (entry !== undefined) addProofRRset(this.out, this.zone, entry.id, RRType.NSEC3, this.cap);
  }

  /**
   * Closest (provable) encloser proof (§7.2.1): walks up from the ancestor of `qname` with `startLabels` labels
   * to the first name with a matching NSEC3, adds it and the NSEC3 covering the next closer name.
   * Returns the label count of the closest provable encloser.
   */
  closestEncloserProof(qname: WireName, startLabels: number): number {
    const apexLabels = this.zone.originLabels;
    for (let n = Math.min(startLabels, qname.labels); n >= apexLabels; n--) {
      if (!this.addMatching(qname.buf, qname.suffixStart(n), qname.len)) continue;
      if (n < qname.labels) this.addCovering(qname.buf, qname.suffixStart(n + 1), qname.len);
      return n;
    }
    return apexLabels;
  }
}
