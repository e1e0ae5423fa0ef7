// Pure authoritative lookup in one compiled zone (RFC 1034 §4.3.2): returns answer semantics, never bytes.

import { typeToNumber } from "@pdns-distribute/dns";
import { Rcode, RRType } from "./constants";
import type { RcodeValue } from "./constants";
import { addDenialProof, capTtl } from "./denial";
import type { DenialCase } from "./denial";
import { AnswerError } from "./errors";
import { isAtOrBelow, nameFromLabels, nameKey, nameToWire, parseName } from "./names";
import type { DnsName } from "./names";
import type { CompiledZone, RRset, ZoneNode } from "./types";

/** What kind of answer a lookup produced (after CoreDNS `plugin/file` results). */
export const LookupResult = {
  Success: "success",
  NxDomain: "nxdomain",
  NoData: "nodata",
  Delegation: "delegation",
  /** A DNAME substitution would produce a name longer than 255 octets (RFC 6672 §2.2). */
  YxDomain: "yxdomain",
} as const;

/** One of the {@link LookupResult} values. */
export type LookupResultKind = (typeof LookupResult)[keyof typeof LookupResult];

/** The semantics of an answer: what goes in each section, the rcode, and whether AA is set. */
export interface LookupResponse {
  result: LookupResultKind;
  rcode: RcodeValue;
  authoritative: boolean;
  answer: RRset[];
  authority: RRset[];
  additional: RRset[];
}

/** Options of {@link lookup}. */
export interface LookupOptions {
  /** The query had the EDNS DO bit: add RRSIGs and denial proofs (RFC 4035 §3.1, RFC 3225). */
  dnssecOk: boolean;
}

/** Longest CNAME/DNAME chain followed inside one zone before giving up (as CoreDNS `plugin/file`). */
const MAX_CHAIN = 8;

/** Types left out when picking the one RRset that answers ANY (RFC 8482 §4.2). */
const NOT_FOR_ANY: ReadonlySet<number> = new Set([RRType.RRSIG, RRType.NSEC, RRType.NSEC3, RRType.NSEC3PARAM]);

/** Lookup state: the zone, the sections being filled, and the RRsets already placed. */
interface Ctx {
  readonly zone: CompiledZone;
  readonly dnssecOk: boolean;
  readonly out: LookupResponse;
}

/** The outcome of one step; `next` is a CNAME or DNAME target inside the zone to continue with. */
interface Step {
  result: LookupResultKind;
  next?: DnsName;
}

/**
 * Answers `qname`/`qtype` from `zone` (which must contain `qname`), following RFC 1034 §4.3.2 with wildcards
 * (RFC 4592), DNAME (RFC 6672), negative caching TTLs (RFC 2308), ANY (RFC 8482) and, with `dnssecOk`,
 * RRSIGs and NSEC/NSEC3 proofs (RFC 4035 §3.1, RFC 5155 §7.2). CNAME chains are followed inside the zone.
 */
export function lookup(
  zone: CompiledZone,
  qname: DnsName | string,
  qtype: number | string,
  options: Partial<LookupOptions> = {},
): LookupResponse {
  let name = typeof qname === "string" ? parseName(qname) : qname;
  const type = typeof qtype === "string" ? typeToNumber(qtype) : qtype;
  const out: LookupResponse = {
    result: LookupResult.Success,
    rcode: Rcode.NoError,
    authoritative: true,
    answer: [],
    authority: [],
    additional: [],
  };
  const ctx: Ctx = { zone, dnssecOk: options.dnssecOk === true, out };
  const visited = new Set<string>();
  for (let links = 0; ; links++) {
    visited.add(nameKey(name));
    const step = resolve(ctx, name, type);
    out.result = step.result;
    // RFC 1034 §4.3.2 step 3a: restart at the CNAME target, unless it leaves the zone, loops or runs too long.
    const next = step.next;
    if (next === undefined || !isAtOrBelow(next, zone.origin)) break;
    if (visited.has(nameKey(next)) || links >= MAX_CHAIN) break;
    name = next;
  }
  out.rcode = rcodeOf(out.result);
  // AA covers authoritative answers and negative answers; a bare referral is not authoritative (RFC 1034 §4.3.2).
  out.authoritative = out.result !== LookupResult.Delegation || out.answer.length > 0;
  return out;
}

/** The rcode of a result; after a CNAME chain it is the one of the last name (RFC 6604 §3). */
function rcodeOf(result: LookupResultKind): RcodeValue {
  if (result === LookupResult.NxDomain) return Rcode.NxDomain;
  if (result === LookupResult.YxDomain) return Rcode.YxDomain;
  return Rcode.NoError;
}

/** Where walking down from the apex towards a name stopped. */
type Walk =
  | { kind: "found"; node: ZoneNode }
  | { kind: "cut"; node: ZoneNode }
  | { kind: "dname"; node: ZoneNode }
  | { kind: "missing"; encloser: ZoneNode };

/**
 * Walks from the apex towards `qname` one label at a time (RFC 1034 §4.3.2 step 3): stops at a zone cut
 * (except a DS query at the cut itself, answered from the parent side, RFC 4035 §3.1.4.1), at a DNAME above
 * the name (RFC 6672 §3.2), or at the closest encloser when the name does not exist.
 */
function walkDown(zone: CompiledZone, qname: DnsName, qtype: number): Walk {
  let node = zone.apex;
  for (let i = qname.labels.length - zone.origin.labels.length - 1; i >= 0; i--) {
    if (node.dname !== null) return { kind: "dname", node };
    const child = zone.nodes.get(qname.keys[i] as string);
    if (child === undefined) return { kind: "missing", encloser: node };
    if (child.delegation && !(i === 0 && qtype === RRType.DS)) return { kind: "cut", node: child };
    node = child;
  }
  return { kind: "found", node };
}

/** One step of the lookup for `qname`. */
function resolve(ctx: Ctx, qname: DnsName, qtype: number): Step {
  const walk = walkDown(ctx.zone, qname, qtype);
  switch (walk.kind) {
    case "found":
      return answerAt(ctx, walk.node, qname, qtype, null);
    case "cut":
      return referral(ctx, walk.node);
    case "dname":
      return substituteDname(ctx, walk.node, qname, qtype);
    case "missing":
      // RFC 4592 §3.3.1: a wildcard child of the closest encloser synthesises the answer.
      if (walk.encloser.wildcard !== null) return answerAt(ctx, walk.encloser.wildcard, qname, qtype, walk.encloser);
      return negative(ctx, LookupResult.NxDomain, { kind: "nxdomain", qname, encloser: walk.encloser.name });
  }
}

/**
 * Answers from `node`: the name itself, or (with `encloser`) a wildcard synthesising `qname` (RFC 4592 §3.3.1:
 * owner replaced by the query name). Handles the data, CNAME (RFC 1034 §4.3.2 step 3a) and no-data cases.
 */
function answerAt(ctx: Ctx, node: ZoneNode, qname: DnsName, qtype: number, encloser: ZoneNode | null): Step {
  const owner = encloser === null ? null : qname;
  const proveWildcard = (): void => {
    if (encloser !== null && ctx.dnssecOk) {
      addDenialProof(ctx.zone, { kind: "wildcard-answer", qname, encloser: encloser.name }, ctx.out.authority);
    }
  };
  const rrset = pickRRset(node, qtype);
  if (rrset !== undefined) {
    addWithSigs(ctx, ctx.out.answer, node, rrset, owner, qtype !== RRType.RRSIG);
    addAdditional(ctx, rrset);
    proveWildcard();
    return { result: LookupResult.Success };
  }
  const cname = node.rrsets.get(RRType.CNAME);
  if (cname !== undefined && qtype !== RRType.CNAME) {
    addWithSigs(ctx, ctx.out.answer, node, cname, owner, true);
    proveWildcard();
    return { result: LookupResult.Success, next: cname.targets[0] };
  }
  const proof: DenialCase =
    encloser === null ? { kind: "nodata", qname, qtype } : { kind: "wildcard-nodata", qname, encloser: encloser.name };
  return negative(ctx, LookupResult.NoData, proof);
}

/** The RRset answering `qtype` at a node: ANY gets one RRset (RFC 8482 §4.2), RRSIG gets all signatures. */
function pickRRset(node: ZoneNode, qtype: number): RRset | undefined {
  if (qtype === RRType.ANY) {
    for (const rrset of node.rrsets.values()) if (!NOT_FOR_ANY.has(rrset.type)) return rrset;
    return node.rrsets.values().next().value;
  }
  if (qtype === RRType.RRSIG) {
    const sigs = [...node.sigs.values()];
    if (sigs.length === 0) return undefined;
    const ttl = Math.min(...sigs.map((s) => s.ttl));
    return { owner: node.name, type: RRType.RRSIG, ttl, rdatas: sigs.flatMap((s) => s.rdatas), targets: [] };
  }
  return node.rrsets.get(qtype);
}

/** A referral (RFC 1034 §4.3.2 step 3b): NS of the cut in authority, DS or its absence proven, glue. */
function referral(ctx: Ctx, cut: ZoneNode): Step {
  const ns = cut.rrsets.get(RRType.NS) as RRset;
  ctx.out.authority.push(ns);
  if (ctx.dnssecOk) {
    const ds = cut.rrsets.get(RRType.DS);
    // RFC 4035 §3.1.4: a signed DS RRset, or the proof that there is none.
    if (ds !== undefined) addWithSigs(ctx, ctx.out.authority, cut, ds, null, true);
    else addDenialProof(ctx.zone, { kind: "insecure-delegation", cut: cut.name }, ctx.out.authority);
  }
  for (const target of ns.targets) addAddresses(ctx, target, true);
  return { result: LookupResult.Delegation };
}

/**
 * DNAME substitution (RFC 6672 §3.2): the DNAME RRset, then a CNAME synthesised for the query name (TTL of the
 * DNAME, unsigned, §5.3.1), then continue with the new name. YXDOMAIN when the new name is too long (§2.2).
 */
function substituteDname(ctx: Ctx, node: ZoneNode, qname: DnsName, qtype: number): Step {
  const dname = node.dname as RRset;
  addWithSigs(ctx, ctx.out.answer, node, dname, null, true);
  const target = dname.targets[0] as DnsName;
  const prefix = qname.labels.slice(0, qname.labels.length - node.name.labels.length);
  let next: DnsName;
  try {
    next = nameFromLabels([...prefix, ...target.labels]);
  } catch (err) {
    if (err instanceof AnswerError) return { result: LookupResult.YxDomain };
    throw err;
  }
  const cname = { owner: qname, type: RRType.CNAME, ttl: dname.ttl, rdatas: [nameToWire(next)], targets: [next] };
  ctx.out.answer.push(cname);
  return qtype === RRType.CNAME ? { result: LookupResult.Success } : { result: LookupResult.Success, next };
}

/**
 * A negative answer: the SOA in authority with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3) and, with DO,
 * the denial proof (TTLs capped the same way, RFC 9077 §3).
 */
function negative(ctx: Ctx, result: LookupResultKind, proof: DenialCase): Step {
  const { zone, out } = ctx;
  out.authority.push(capTtl(zone.soa, zone.negativeTtl));
  if (ctx.dnssecOk) {
    const sig = zone.apex.sigs.get(RRType.SOA);
    if (sig !== undefined) out.authority.push(capTtl(sig, zone.negativeTtl));
    addDenialProof(zone, proof, out.authority, zone.negativeTtl);
  }
  return { result };
}

/** Appends an RRset (renamed to `owner` when synthesised) and, with DO, the RRSIGs covering it. */
function addWithSigs(
  ctx: Ctx,
  section: RRset[],
  node: ZoneNode,
  rrset: RRset,
  owner: DnsName | null,
  withSigs: boolean,
): void {
  section.push(owner === null ? rrset : { ...rrset, owner });
  if (!ctx.dnssecOk || !withSigs) return;
  const sig = node.sigs.get(rrset.type);
  if (sig !== undefined) section.push(owner === null ? sig : { ...sig, owner });
}

/**
 * Additional-section processing (RFC 1034 §3.6.2, RFC 1035 §3.3.9/§3.3.11, RFC 2782): A and AAAA of the hosts
 * named by NS, MX and SRV records, when they are in the zone.
 */
function addAdditional(ctx: Ctx, rrset: RRset): void {
  if (rrset.type !== RRType.NS && rrset.type !== RRType.MX && rrset.type !== RRType.SRV) return;
  for (const target of rrset.targets) addAddresses(ctx, target, rrset.type === RRType.NS);
}

/** Adds A/AAAA of `host` to additional; data at or below a zone cut only as glue for NS (RFC 9471). */
function addAddresses(ctx: Ctx, host: DnsName, glueAllowed: boolean): void {
  const { zone, out } = ctx;
  if (!isAtOrBelow(host, zone.origin)) return;
  const node = zone.nodes.get(nameKey(host));
  if (node === undefined || (!glueAllowed && isOccluded(zone, host))) return;
  for (const type of [RRType.A, RRType.AAAA]) {
    const rrset = node.rrsets.get(type);
    if (rrset === undefined) continue;
    const placed = (r: RRset): boolean => r.type === type && nameKey(r.owner) === nameKey(host);
    if (out.answer.some(placed) || out.additional.some(placed)) continue;
    addWithSigs(ctx, out.additional, node, rrset, null, true);
  }
}

/** True when `name` is at or below a zone cut of `zone` (its address records are glue, not authoritative). */
function isOccluded(zone: CompiledZone, name: DnsName): boolean {
  for (let i = name.labels.length - zone.origin.labels.length - 1; i >= 0; i--) {
    if (zone.nodes.get(name.keys[i] as string)?.delegation === true) return true;
  }
  return false;
}
