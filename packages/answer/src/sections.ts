// Reusable lookup result: the three sections as lists of (RRset number, owner, TTL), and the chain of names followed.

import type { RcodeValue } from "./constants";
import type { CompiledZone } from "./types";
import { WireName } from "./wire-name";

/** Longest CNAME/DNAME chain followed inside one zone before giving up (as CoreDNS `plugin/file`). */
export const MAX_CHAIN = 8;

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

/**
 * One section of an answer. Entry `i`: RRset `rr[i]` of the zone (-1: a CNAME synthesised from a DNAME, whose RDATA
 * is chain name `aux[i]`), owned by name `owner[i]` (< 0: chain name `-owner[i] - 1`, for synthesised owners),
 * with TTL `ttl[i]`. `join[i]` = 1 continues the RRset of the entry before (all RRSIGs answering qtype RRSIG).
 * Arrays only grow: filling a section allocates nothing once warm.
 */
export class Section {
  n = 0;
  readonly rr: number[] = [];
  readonly owner: number[] = [];
  readonly ttl: number[] = [];
  readonly join: number[] = [];
  readonly aux: number[] = [];

  push(rr: number, owner: number, ttl: number, join = 0, aux = 0): void {
    const i = this.n++;
    this.rr[i] = rr;
    this.owner[i] = owner;
    this.ttl[i] = ttl;
    this.join[i] = join;
    this.aux[i] = aux;
  }

  /** True when RRset `rr` owned by `owner` is already in the section. */
  has(rr: number, owner: number): boolean {
    for (let i = 0; i < this.n; i++) if (this.rr[i] === rr && this.owner[i] === owner) return true;
    return false;
  }
}

/** A lookup's result and working state; reused from query to query (answering is synchronous). */
export class Answer {
  zone: CompiledZone | null = null;
  dnssecOk = false;
  result: LookupResultKind = LookupResult.Success;
  rcode: RcodeValue = 0;
  authoritative = true;
  /** The wildcard name number that synthesised (part of) the answer (RFC 4592), or -1: RRL counts by it. */
  wildcard = -1;
  readonly answer = new Section();
  readonly authority = new Section();
  readonly additional = new Section();
  /**
   * Names of the zone along the query name found by the lookup's first walk down: `qpath[i]` is the number of the
   * name that starts at label `i`, for `i` from `qpathStop` to the last label below the apex (name compression).
   */
  readonly qpath = new Int32Array(128);
  qpathStop = 0;
  /** `chain[0]` is the query name; `chain[k]` the k-th CNAME/DNAME target followed. */
  readonly chain: WireName[] = Array.from({ length: MAX_CHAIN + 2 }, () => new WireName());

  /** Empties the sections for a new lookup of `chain[0]` in `zone`. */
  reset(zone: CompiledZone, dnssecOk: boolean): void {
    this.zone = zone;
    this.dnssecOk = dnssecOk;
    this.result = LookupResult.Success;
    this.rcode = 0;
    this.authoritative = true;
    this.wildcard = -1;
    this.answer.n = 0;
    this.authority.n = 0;
    this.additional.n = 0;
  }
}
