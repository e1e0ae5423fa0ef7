// DNSSEC authenticated denial of existence: which NSEC (or NSEC3) records prove a negative or wildcard answer.

import { RRType } from "./constants";
import { addNsec3Proof } from "./denial-nsec3";
import { addProofRRset, Proof } from "./denial-proof";
import { NameFlag } from "./name-table";
import type { Answer } from "./sections";
import type { CompiledZone } from "./types";
import { compareWire, WireName } from "./wire-name";
import { findKey } from "./zone-view";
import { present } from "./errors";

/** Scratch names of the proofs: a name to show absent, a zone name loaded for comparison. */
const target = new WireName();
const probe = new WireName();

/**
 * Appends to the authority section the records proving `proof`: NSEC3 when the zone has an NSEC3 chain, else NSEC,
 * else nothing (unsigned zone). TTLs are capped at `ttlCap` (negative answers: RFC 9077 §3 caps them like the SOA's).
 */
export function addDenialProof(out: Answer, proof: number, qname: WireName | null, node: number, ttlCap = Infinity): void {
  const zone = present(out.zone, "zone");
  if (zone.denial.nsec3 !== null) addNsec3Proof(out, zone, zone.denial.nsec3, proof, qname, node, ttlCap);
  else if (zone.denial.nsec.length > 0) addNsecProof(out, zone, proof, qname, node, ttlCap);
}

/** NSEC proofs: the NSEC matching or covering each name that must be shown absent (RFC 4035 §3.1.3). */
function addNsecProof(out: Answer, zone: CompiledZone, proof: number, qname: WireName | null, node: number, cap: number): void {
  const add = (name: WireName): void => addProofRRset(out, zone, nsecMatchingOrCovering(zone, name), RRType.NSEC, cap);
  if (proof === Proof.InsecureDelegation) {
    // The NSEC at the cut has no DS bit.
    zone.names.load(node, zone.originWire, target);
    add(target);
    return;
  }
  // NODATA: the NSEC at the name shows the type absent; for an empty non-terminal, the covering one.
  add(present(qname, "query name"));
  if (proof === Proof.NxDomain || proof === Proof.WildcardNoData) {
    // The wildcard that could have matched does not exist either (or holds no such type).
    zone.names.load(node, zone.originWire, probe);
    target.wildcardOf(probe.buf, 0, probe.len);
    add(target);
  }
}

/**
 * The name whose NSEC owner is `name` or, failing that, the closest name before it in canonical order
 * (RFC 4034 §6.1): that NSEC's span covers `name`. Before the first owner, wrap around to the last (§4.1.1).
 */
export function nsecMatchingOrCovering(zone: CompiledZone, name: WireName): number {
  const chain = zone.denial.nsec;
  let lo = 0;
  let hi = chain.length - 1;
  let found = chain.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    zone.names.load(chain[mid] ?? 0, zone.originWire, probe);
    if (compareWire(probe, name) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return (chain[found] ?? 0);
}

/** The names of a zone that hold an NSEC RRset, in canonical order (RFC 4034 §6.1). */
export function compileNsecChain(zone: Pick<CompiledZone, "names" | "rrStart" | "moved" | "rrKey">): Int32Array {
  const { names } = zone;
  let any = false;
  for (let id = 0; id < names.count && !any; id++) any = findKey(zone, id, RRType.NSEC) >= 0;
  if (!any) return new Int32Array(0);
  const order = names.canonicalOrder();
  const chain: number[] = [];
  for (const id of order) {
    if (((names.flags[id] ?? 0) & NameFlag.Nsec3) === 0 && findKey(zone, id, RRType.NSEC) >= 0) chain.push(id);
  }
  return Int32Array.from(chain);
}
