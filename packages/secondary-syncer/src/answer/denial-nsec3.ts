// NSEC3 denial of existence (RFC 5155): hashing names, matching and covering NSEC3 records, proofs per §7.2.

import { createHash } from "node:crypto";
import { RRType } from "./constants";
import type { DenialCase, ProofSink } from "./denial";
import { ancestorWithLabels, childName, formatLabel, isAtOrBelow, nameToWire } from "./names";
import type { DnsName } from "./names";
import { decodeBase32Hex, readNsec3Params } from "./rdata-fields";
import type { CompiledZone, Nsec3Entry, Nsec3Index, Nsec3Params, ZoneNode } from "./types";

/** NSEC3 hash algorithm 1, SHA-1 (RFC 5155 §11): the only one defined. */
const SHA1 = 1;

/**
 * The NSEC3 hash of a name (RFC 5155 §5): IH(salt, x, 0) = H(x || salt), IH(salt, x, k) = H(IH(k-1) || salt),
 * with x the canonical (lower-case, uncompressed) wire form of the name.
 */
export function nsec3Hash(name: DnsName, params: Nsec3Params): Buffer {
  let digest = createHash("sha1").update(nameToWire(name)).update(params.salt).digest();
  for (let i = 0; i < params.iterations; i++) {
    digest = createHash("sha1").update(digest).update(params.salt).digest();
  }
  return digest;
}

/**
 * Indexes the NSEC3 owners of a zone by hash. Parameters come from the apex NSEC3PARAM (RFC 5155 §4), else from
 * the first NSEC3 record. Returns null when the zone has no NSEC3 chain or uses an unknown hash algorithm.
 */
export function compileNsec3Index(origin: DnsName, apex: ZoneNode, nsec3Nodes: readonly ZoneNode[]): Nsec3Index | null {
  if (nsec3Nodes.length === 0) return null;
  const paramRdata =
    apex.rrsets.get(RRType.NSEC3PARAM)?.rdatas[0] ?? nsec3Nodes[0]?.rrsets.get(RRType.NSEC3)?.rdatas[0];
  if (paramRdata === undefined) return null;
  const params = readNsec3Params(paramRdata);
  if (params.algorithm !== SHA1) return null;
  const entries: Nsec3Entry[] = [];
  for (const node of nsec3Nodes) {
    const first = node.name.labels[0];
    if (first === undefined || node.name.labels.length !== origin.labels.length + 1) continue;
    if (!isAtOrBelow(node.name, origin) || !node.rrsets.has(RRType.NSEC3)) continue;
    const hash = decodeBase32Hex(formatLabel(first));
    if (hash !== null) entries.push({ hash, node });
  }
  entries.sort((a, b) => Buffer.compare(a.hash, b.hash));
  return { params, entries, byHash: new Map(entries.map((e) => [e.hash.toString("hex"), e])) };
}

/** Appends the NSEC3 records proving `proof` (RFC 5155 §7.2.1 – §7.2.7). */
export function addNsec3Proof(zone: CompiledZone, index: Nsec3Index, proof: DenialCase, sink: ProofSink): void {
  const chain = new Nsec3Chain(zone, index, sink);
  switch (proof.kind) {
    case "nxdomain": {
      // §7.2.2: closest encloser proof, plus the NSEC3 covering the wildcard at the closest encloser.
      const ce = chain.closestEncloserProof(proof.qname, proof.encloser.labels.length);
      chain.addCovering(childName("*", ce));
      return;
    }
    case "nodata":
      // §7.2.3: the matching NSEC3. §7.2.4: for DS without one (opt-out), the closest provable encloser proof.
      if (!chain.addMatching(proof.qname)) chain.closestEncloserProof(proof.qname, proof.qname.labels.length - 1);
      return;
    case "wildcard-nodata": {
      // §7.2.5: closest encloser proof, plus the NSEC3 matching the wildcard.
      const ce = chain.closestEncloserProof(proof.qname, proof.encloser.labels.length);
      chain.addMatching(childName("*", ce));
      return;
    }
    case "wildcard-answer":
      // §7.2.6: the NSEC3 covering the next closer name shows the query name itself does not exist.
      chain.addCovering(ancestorWithLabels(proof.qname, proof.encloser.labels.length + 1));
      return;
    case "insecure-delegation":
      // §7.2.7: the NSEC3 matching the cut (no DS bit), or under opt-out the closest provable encloser proof.
      if (!chain.addMatching(proof.cut)) chain.closestEncloserProof(proof.cut, proof.cut.labels.length - 1);
      return;
  }
}

/** Matching and covering look-ups over one zone's NSEC3 chain, writing into a proof sink. */
class Nsec3Chain {
  constructor(
    private readonly zone: CompiledZone,
    private readonly index: Nsec3Index,
    private readonly sink: ProofSink,
  ) {}

  /** Adds the NSEC3 whose owner hash equals the hash of `name`; false when there is none. */
  addMatching(name: DnsName): boolean {
    const entry = this.index.byHash.get(nsec3Hash(name, this.index.params).toString("hex"));
    if (entry === undefined) return false;
    this.sink.add(entry.node, RRType.NSEC3);
    return true;
  }

  /** Adds the NSEC3 whose span covers the hash of `name`: the last owner hash below it, wrapping around. */
  addCovering(name: DnsName): void {
    const hash = nsec3Hash(name, this.index.params);
    const entries = this.index.entries;
    let lo = 0;
    let hi = entries.length - 1;
    let found = entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (Buffer.compare((entries[mid] as Nsec3Entry).hash, hash) < 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const entry = entries[found];
    if (entry !== undefined) this.sink.add(entry.node, RRType.NSEC3);
  }

  /**
   * Closest (provable) encloser proof (§7.2.1): walks up from the ancestor of `qname` with `startLabels` labels
   * to the first name with a matching NSEC3, adds it and the NSEC3 covering the next closer name.
   * Returns the closest provable encloser.
   */
  closestEncloserProof(qname: DnsName, startLabels: number): DnsName {
    const apexLabels = this.zone.origin.labels.length;
    for (let n = Math.min(startLabels, qname.labels.length); n >= apexLabels; n--) {
      const candidate = ancestorWithLabels(qname, n);
      if (!this.addMatching(candidate)) continue;
      if (n < qname.labels.length) this.addCovering(ancestorWithLabels(qname, n + 1));
      return candidate;
    }
    return this.zone.origin;
  }
}
