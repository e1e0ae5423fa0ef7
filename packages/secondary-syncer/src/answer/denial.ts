// DNSSEC authenticated denial of existence: which NSEC (or NSEC3) records prove a negative or wildcard answer.

import { RRType } from "./constants";
import { addNsec3Proof } from "./denial-nsec3";
import { childName, compareNames, nameKey } from "./names";
import type { DnsName } from "./names";
import type { CompiledZone, RRset, ZoneNode } from "./types";

/**
 * A situation whose answer must carry a denial proof when the query had the DO bit
 * (RFC 4035 §3.1.3 for NSEC, RFC 5155 §7.2 for NSEC3). `encloser` is the closest encloser found by the lookup.
 */
export type DenialCase =
  /** Name error (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2). */
  | { readonly kind: "nxdomain"; readonly qname: DnsName; readonly encloser: DnsName }
  /** No data at an existing name (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3 and §7.2.4 for DS). */
  | { readonly kind: "nodata"; readonly qname: DnsName; readonly qtype: number }
  /** The wildcard matched but holds no RRset of the type (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5). */
  | { readonly kind: "wildcard-nodata"; readonly qname: DnsName; readonly encloser: DnsName }
  /** A wildcard expansion: prove the query name itself does not exist (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6). */
  | { readonly kind: "wildcard-answer"; readonly qname: DnsName; readonly encloser: DnsName }
  /** A referral to a child without DS (RFC 4035 §3.1.4, RFC 5155 §7.2.7). */
  | { readonly kind: "insecure-delegation"; readonly cut: DnsName };

/** Collects proof RRsets (NSEC/NSEC3 and their RRSIGs) into a section, once each, with TTLs capped. */
export interface ProofSink {
  /** Adds a node's denial RRset of `type` and the RRSIGs covering it. */
  add(node: ZoneNode, type: number): void;
}

/**
 * Appends to `out` the records proving `proof`: NSEC3 when the zone has an NSEC3 chain, else NSEC, else nothing
 * (unsigned zone). TTLs are capped at `ttlCap` (negative answers: RFC 9077 §3 caps NSEC TTLs like the SOA's).
 */
export function addDenialProof(zone: CompiledZone, proof: DenialCase, out: RRset[], ttlCap = Infinity): void {
  const sink = proofSink(out, ttlCap);
  if (zone.denial.nsec3 !== null) addNsec3Proof(zone, zone.denial.nsec3, proof, sink);
  else if (zone.denial.nsec.length > 0) addNsecProof(zone, proof, sink);
}

/** NSEC proofs: the NSEC matching or covering each name that must be shown absent (RFC 4035 §3.1.3). */
function addNsecProof(zone: CompiledZone, proof: DenialCase, sink: ProofSink): void {
  const add = (name: DnsName): void => sink.add(nsecMatchingOrCovering(zone, name), RRType.NSEC);
  switch (proof.kind) {
    case "nxdomain": // the name does not exist, and neither does the wildcard that could have matched it
      add(proof.qname);
      add(childName("*", proof.encloser));
      return;
    case "nodata": // the NSEC at the name shows the type absent; for an empty non-terminal, the covering one
      add(proof.qname);
      return;
    case "wildcard-nodata":
      add(proof.qname);
      add(childName("*", proof.encloser));
      return;
    case "wildcard-answer":
      add(proof.qname);
      return;
    case "insecure-delegation": // the NSEC at the cut has no DS bit
      add(proof.cut);
      return;
  }
}

/**
 * The node whose NSEC owner is `name` or, failing that, the closest name before it in canonical order
 * (RFC 4034 §6.1): that NSEC's span covers `name`. Before the first owner, wrap around to the last (§4.1.1).
 */
export function nsecMatchingOrCovering(zone: CompiledZone, name: DnsName): ZoneNode {
  const chain = zone.denial.nsec;
  let lo = 0;
  let hi = chain.length - 1;
  let found = chain.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareNames((chain[mid] as ZoneNode).name, name) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return chain[found] as ZoneNode;
}

/** The nodes of a zone that hold an NSEC RRset, in canonical order. */
export function compileNsecChain(nodes: Iterable<ZoneNode>): ZoneNode[] {
  const chain: ZoneNode[] = [];
  for (const node of nodes) if (node.rrsets.has(RRType.NSEC)) chain.push(node);
  return chain.sort((a, b) => compareNames(a.name, b.name));
}

/** A sink appending each (owner, type) once to `out`, with the RRSIGs covering it and TTLs capped at `ttlCap`. */
function proofSink(out: RRset[], ttlCap: number): ProofSink {
  return {
    add(node, type) {
      const rrset = node.rrsets.get(type);
      if (rrset === undefined) return;
      if (out.some((r) => r.type === type && nameKey(r.owner) === nameKey(rrset.owner))) return;
      out.push(capTtl(rrset, ttlCap));
      const sig = node.sigs.get(type);
      if (sig !== undefined) out.push(capTtl(sig, ttlCap));
    },
  };
}

/** The RRset itself when its TTL is within `cap`, else a copy with TTL `cap`. */
export function capTtl(rrset: RRset, cap: number): RRset {
  return rrset.ttl <= cap ? rrset : { ...rrset, ttl: cap };
}
