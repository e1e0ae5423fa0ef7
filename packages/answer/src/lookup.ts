// Pure authoritative lookup in one compiled zone (RFC 1034 §4.3.2): fills answer semantics (RRset numbers), never bytes.

import { Rcode, RRType } from "./constants";
import { addDenialProof } from "./denial";
import { Proof } from "./denial-proof";
import { NameFlag } from "./name-table";
import { LookupResult, MAX_CHAIN } from "./sections";
import type { Answer, LookupResultKind, Section } from "./sections";
import { SIG_BIT } from "./types";
import type { CompiledZone } from "./types";
import { WireName } from "./wire-name";
import { TARGET_OFFSET } from "./rdata-fields";
import { findKey, rrEnd, rrFirst } from "./zone-view";
import { present } from "./errors";

/** Types left out when picking the one RRset that answers ANY (RFC 8482 §4.2). */
function notForAny(type: number): boolean {
  return type === RRType.RRSIG || type === RRType.NSEC || type === RRType.NSEC3 || type === RRType.NSEC3PARAM;
}

/** The label "*" in wire form (RFC 4592 §2.1.1). */
const STAR = Buffer.from([1, 0x2a]);
/** Where the walk down stopped (set by {@link walkDown} next to the name it returns). */
const Walk = { Found: 0, Cut: 1, Dname: 2, Missing: 3 } as const;
let walkKind: number = Walk.Found;
/** Host names read from NS/MX/SRV/SVCB/HTTPS RDATA, and the DNAME target (scratch). */
const host = new WireName();

/**
 * Answers `out.chain[0]`/`qtype` from the zone `out` was reset for (which must contain the name), following
 * RFC 1034 §4.3.2 with wildcards (RFC 4592), DNAME (RFC 6672), negative caching TTLs (RFC 2308), ANY (RFC 8482)
 * and, with DO, RRSIGs and NSEC/NSEC3 proofs (RFC 4035 §3.1, RFC 5155 §7.2). CNAME chains are followed inside the zone.
 */
export function resolveInto(out: Answer, qtype: number): void {
  const zone = present(out.zone, "zone");
  let link = 0;
  for (let links = 0; ; links++) {
    const next = step(out, zone, link, qtype);
    // RFC 1034 §4.3.2 step 3a: restart at the CNAME target, unless it leaves the zone, loops or runs too long.
    if (next < 0 || !present(out.chain[next], "chain name").isAtOrBelow(zone.originWire)) break;
    if (seenBefore(out, next) || links >= MAX_CHAIN) break;
    link = next;
  }
  // The rcode after a CNAME chain is the one of the last name (RFC 6604 §3).
  out.rcode = out.result === LookupResult.NxDomain ? Rcode.NxDomain : out.result === LookupResult.YxDomain ? Rcode.YxDomain : Rcode.NoError;
  // AA covers authoritative answers and negative answers; a bare referral is not authoritative (RFC 1034 §4.3.2).
  out.authoritative = out.result !== LookupResult.Delegation || out.answer.n > 0;
}

/** True when chain name `next` equals a name already looked up (a CNAME loop). */
function seenBefore(out: Answer, next: number): boolean {
  const name = present(out.chain[next], "chain name");
  for (let k = 0; k < next; k++) if (present(out.chain[k], "chain name").equals(name)) return true;
  return false;
}

/**
 * Walks from the apex towards `name` one label at a time (RFC 1034 §4.3.2 step 3): stops at a zone cut (except a
 * DS query at the cut itself, answered from the parent side, RFC 4035 §3.1.4.1), at a DNAME above the name
 * (RFC 6672 §3.2), or at the closest encloser when the name does not exist. Sets {@link walkKind}; with `out`,
 * records the names passed in `out.qpath` (the query name's, reused for name compression).
 */
function walkDown(zone: CompiledZone, name: WireName, qtype: number, out: Answer | null): number {
  const { names } = zone;
  let node = 0;
  if (out !== null) out.qpathStop = name.labels - zone.originLabels;
  for (let i = name.labels - zone.originLabels - 1; i >= 0; i--) {
    if (((names.flags[node] ?? 0) & NameFlag.Dname) !== 0) {
      walkKind = Walk.Dname;
      return node;
    }
    const child = names.find(node, 0, name.buf, name.offs[i] ?? 0);
    if (child < 0) {
      walkKind = Walk.Missing;
      return node;
    }
    if (out !== null) {
      out.qpath[i] = child;
      out.qpathStop = i;
    }
    if (((names.flags[child] ?? 0) & NameFlag.Delegation) !== 0 && !(i === 0 && qtype === RRType.DS)) {
      walkKind = Walk.Cut;
      return child;
    }
    node = child;
  }
  walkKind = Walk.Found;
  return node;
}

/** One step of the lookup for chain name `link`; returns the chain name to continue with, or -1. */
function step(out: Answer, zone: CompiledZone, link: number, qtype: number): number {
  const name = present(out.chain[link], "chain name");
  const node = walkDown(zone, name, qtype, link === 0 ? out : null);
  switch (walkKind) {
    case Walk.Found:
      return answerAt(out, zone, node, link, qtype, -1);
    case Walk.Cut:
      return referral(out, zone, node);
    case Walk.Dname:
      return substituteDname(out, zone, node, link, qtype);
    default:
      // RFC 4592 §3.3.1: a wildcard child of the closest encloser synthesises the answer.
      if (((zone.names.flags[node] ?? 0) & NameFlag.WildcardParent) !== 0) {
        return answerAt(out, zone, zone.names.find(node, 0, STAR, 0), link, qtype, node);
      }
      return negative(out, zone, LookupResult.NxDomain, Proof.NxDomain, name, node);
  }
}

/**
 * Answers from `node`: the name itself, or (with `encloser` ≥ 0) a wildcard synthesising the chain name (RFC 4592
 * §3.3.1: owner replaced by the query name). Handles the data, CNAME (RFC 1034 §4.3.2 step 3a) and no-data cases.
 */
function answerAt(out: Answer, zone: CompiledZone, node: number, link: number, qtype: number, encloser: number): number {
  const owner = encloser < 0 ? node : -(link + 1);
  if (encloser >= 0) out.wildcard = node;
  const name = present(out.chain[link], "chain name");
  if (qtype === RRType.RRSIG ? addAllSigs(out, zone, node, owner) : addPicked(out, zone, node, owner, qtype)) {
    if (encloser >= 0 && out.dnssecOk) addDenialProof(out, Proof.WildcardAnswer, name, encloser);
    out.result = LookupResult.Success;
    return -1;
  }
  const cname = findKey(zone, node, RRType.CNAME);
  if (cname >= 0 && qtype !== RRType.CNAME) {
    addWithSigs(out, zone, out.answer, node, cname, owner, true);
    if (encloser >= 0 && out.dnssecOk) addDenialProof(out, Proof.WildcardAnswer, name, encloser);
    out.result = LookupResult.Success;
    const next = present(out.chain[link + 1], "chain name");
    const at = (zone.rrData[cname] ?? 0) + 2;
    next.read(zone.arena, at, at + zone.arena.readUInt16BE(at - 2));
    return link + 1;
  }
  if (encloser < 0) return negative(out, zone, LookupResult.NoData, Proof.NoData, name, node);
  return negative(out, zone, LookupResult.NoData, Proof.WildcardNoData, name, encloser);
}

/** Adds the RRset answering `qtype` (ANY: one RRset, RFC 8482 §4.2) and its additional data; false if none. */
function addPicked(out: Answer, zone: CompiledZone, node: number, owner: number, qtype: number): boolean {
  let r = -1;
  if (qtype === RRType.ANY) {
    const end = rrEnd(zone, node);
    let first = -1;
    for (let i = rrFirst(zone, node); i < end && r < 0; i++) {
      const key = zone.rrKey[i] ?? 0;
      if ((key & SIG_BIT) !== 0) continue;
      if (first < 0) first = i;
      if (!notForAny(key)) r = i;
    }
    if (r < 0) r = first;
  } else {
    r = findKey(zone, node, qtype);
  }
  if (r < 0) return false;
  addWithSigs(out, zone, out.answer, node, r, owner, true);
  const type = zone.rrKey[r] ?? 0;
  if (type === RRType.NS || type === RRType.MX || type === RRType.SRV || type === RRType.SVCB || type === RRType.HTTPS) {
    addTargetAddresses(out, zone, r, type === RRType.NS, node, owner);
  }
  return true;
}

/** qtype RRSIG: every signature at the name as one RRset with the lowest TTL; false if there is none. */
function addAllSigs(out: Answer, zone: CompiledZone, node: number, owner: number): boolean {
  let ttl = Infinity;
  const end = rrEnd(zone, node);
  for (let r = rrFirst(zone, node); r < end; r++) {
    if (((zone.rrKey[r] ?? 0) & SIG_BIT) !== 0) ttl = Math.min(ttl, zone.rrTtl[r] ?? 0);
  }
  if (ttl === Infinity) return false;
  let join = 0;
  for (let r = rrFirst(zone, node); r < end; r++) {
    if (((zone.rrKey[r] ?? 0) & SIG_BIT) === 0) continue;
    out.answer.push(r, owner, ttl, join);
    join = 1;
  }
  return true;
}

/** A referral (RFC 1034 §4.3.2 step 3b): NS of the cut in authority, DS or its absence proven, glue. */
function referral(out: Answer, zone: CompiledZone, cut: number): number {
  const ns = findKey(zone, cut, RRType.NS);
  out.authority.push(ns, cut, zone.rrTtl[ns] ?? 0);
  if (out.dnssecOk) {
    const ds = findKey(zone, cut, RRType.DS);
    // RFC 4035 §3.1.4: a signed DS RRset, or the proof that there is none.
    if (ds >= 0) addWithSigs(out, zone, out.authority, cut, ds, cut, true);
    else addDenialProof(out, Proof.InsecureDelegation, null, cut);
  }
  addTargetAddresses(out, zone, ns, true, cut, cut);
  out.result = LookupResult.Delegation;
  return -1;
}

/**
 * DNAME substitution (RFC 6672 §3.2): the DNAME RRset, then a CNAME synthesised for the query name (TTL of the
 * DNAME, unsigned, §5.3.1), then continue with the new name. YXDOMAIN when the new name is too long (§2.2).
 */
function substituteDname(out: Answer, zone: CompiledZone, node: number, link: number, qtype: number): number {
  const dname = findKey(zone, node, RRType.DNAME);
  addWithSigs(out, zone, out.answer, node, dname, node, true);
  const at = (zone.rrData[dname] ?? 0) + 2;
  host.read(zone.arena, at, at + zone.arena.readUInt16BE(at - 2));
  const name = present(out.chain[link], "chain name");
  const prefix = name.labels - zone.names.depth(node) - zone.originLabels;
  if (!present(out.chain[link + 1], "chain name").concat(name, prefix, host.buf, 0, host.len)) {
    out.result = LookupResult.YxDomain;
    return -1;
  }
  out.answer.push(-1, -(link + 1), zone.rrTtl[dname] ?? 0, 0, link + 1);
  out.result = LookupResult.Success;
  return qtype === RRType.CNAME ? -1 : link + 1;
}

/**
 * A negative answer: the SOA in authority with TTL min(SOA TTL, MINIMUM) (RFC 2308 §3) and, with DO,
 * the denial proof (TTLs capped the same way, RFC 9077 §3).
 */
function negative(
  out: Answer,
  zone: CompiledZone,
  result: LookupResultKind,
  proof: number,
  name: WireName,
  node: number,
): number {
  const cap = zone.negativeTtl;
  out.authority.push(zone.soa, 0, Math.min(zone.rrTtl[zone.soa] ?? 0, cap));
  if (out.dnssecOk) {
    const sig = findKey(zone, 0, SIG_BIT | RRType.SOA);
    if (sig >= 0) out.authority.push(sig, 0, Math.min(zone.rrTtl[sig] ?? 0, cap));
    addDenialProof(out, proof, name, node, cap);
  }
  out.result = result;
  return -1;
}

/** Appends RRset `r` (owned by `owner`, a name or a synthesised chain name) and, with DO, the RRSIGs covering it. */
function addWithSigs(out: Answer, zone: CompiledZone, section: Section, node: number, r: number, owner: number, withSigs: boolean): void {
  section.push(r, owner, zone.rrTtl[r] ?? 0);
  if (!out.dnssecOk || !withSigs) return;
  const sig = findKey(zone, node, SIG_BIT | (zone.rrKey[r] ?? 0));
  if (sig >= 0) section.push(sig, owner, zone.rrTtl[sig] ?? 0);
}

/**
 * Additional-section processing (RFC 1034 §3.6.2, RFC 1035 §3.3.9/§3.3.11, RFC 2782, RFC 9460 §4): A and AAAA of
 * the hosts named by the NS, MX, SRV, SVCB or HTTPS records of RRset `r` (at `node`, written as `owner`), when they
 * are in the zone (and not below a cut unless glue). An SVCB/HTTPS TargetName "." in ServiceMode (SvcPriority > 0)
 * stands for the owner name (RFC 9460 §2.5); in AliasMode it means no service, so nothing is added.
 */
function addTargetAddresses(out: Answer, zone: CompiledZone, r: number, glueAllowed: boolean, node: number, owner: number): void {
  const type = zone.rrKey[r] ?? 0;
  const offset = TARGET_OFFSET[type] ?? 0;
  const svcb = type === RRType.SVCB || type === RRType.HTTPS;
  let at = zone.rrData[r] ?? 0;
  let ownerDone = false;
  for (let k = 0; k < (zone.rrCount[r] ?? 0); k++) {
    const len = zone.arena.readUInt16BE(at);
    if (host.read(zone.arena, at + 2 + offset, at + 2 + len) >= 0) {
      if (host.labels > 0) addAddresses(out, zone, glueAllowed);
      else if (svcb && !ownerDone && zone.arena.readUInt16BE(at + 2) !== 0) {
        ownerDone = true;
        addOwnerAddresses(out, zone, node, owner);
      }
    }
    at += len + 2;
  }
}

/** Adds A/AAAA of `node` (written as `owner`, which may be a name synthesised from a wildcard) to additional. */
function addOwnerAddresses(out: Answer, zone: CompiledZone, node: number, owner: number): void {
  for (let t = 0; t < 2; t++) {
    const r = findKey(zone, node, t === 0 ? RRType.A : RRType.AAAA);
    if (r < 0 || out.answer.has(r, owner) || out.additional.has(r, owner)) continue;
    addWithSigs(out, zone, out.additional, node, r, owner, true);
  }
}

/** Adds A/AAAA of `host` to additional; data at or below a zone cut only as glue for NS (RFC 9471). */
function addAddresses(out: Answer, zone: CompiledZone, glueAllowed: boolean): void {
  if (!host.isAtOrBelow(zone.originWire)) return;
  const { names } = zone;
  let id = 0;
  let occluded = false;
  for (let i = host.labels - zone.originLabels - 1; i >= 0 && id >= 0; i--) {
    id = names.find(id, 0, host.buf, host.offs[i] ?? 0);
    if (id >= 0 && ((names.flags[id] ?? 0) & NameFlag.Delegation) !== 0) occluded = true;
  }
  if (id < 0 || (!glueAllowed && occluded)) return;
  for (let t = 0; t < 2; t++) {
    const r = findKey(zone, id, t === 0 ? RRType.A : RRType.AAAA);
    if (r < 0 || out.answer.has(r, id) || out.additional.has(r, id)) continue;
    addWithSigs(out, zone, out.additional, id, r, id, true);
  }
}
