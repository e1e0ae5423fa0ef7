// The kinds of DNSSEC denial proof and how one proof RRset is added (shared by the NSEC and NSEC3 code).

import type { Answer } from "./sections";
import { SIG_BIT } from "./types";
import type { CompiledZone } from "./types";
import { findKey } from "./zone-view";

/**
 * Situations whose answer must carry a denial proof when the query had the DO bit (RFC 4035 §3.1.3 for NSEC,
 * RFC 5155 §7.2 for NSEC3). With each, the lookup passes the query name and a name number: the closest encloser
 * (NXDOMAIN, wildcard cases), the name itself (NODATA) or the zone cut (insecure delegation).
 */
export const Proof = {
  /** Name error (RFC 4035 §3.1.3.2, RFC 5155 §7.2.2). */
  NxDomain: 0,
  /** No data at an existing name (RFC 4035 §3.1.3.1, RFC 5155 §7.2.3 and §7.2.4 for DS). */
  NoData: 1,
  /** The wildcard matched but holds no RRset of the type (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5). */
  WildcardNoData: 2,
  /** A wildcard expansion: prove the query name itself does not exist (RFC 4035 §3.1.3.3, RFC 5155 §7.2.6). */
  WildcardAnswer: 3,
  /** A referral to a child without DS (RFC 4035 §3.1.4, RFC 5155 §7.2.7). */
  InsecureDelegation: 4,
} as const;

/** Adds RRset `type` of name `id` and the RRSIGs covering it to authority, once, TTLs capped at `cap`. */
export function addProofRRset(out: Answer, zone: CompiledZone, id: number, type: number, cap: number): void {
  const r = findKey(zone, id, type);
  if (r < 0 || out.authority.has(r, id)) return;
  out.authority.push(r, id, Math.min(zone.rrTtl[r] ?? 0, cap));
  const sig = findKey(zone, id, SIG_BIT | type);
  if (sig >= 0) out.authority.push(sig, id, Math.min(zone.rrTtl[sig] ?? 0, cap));
}
