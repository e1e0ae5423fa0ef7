// Shapes of a compiled zone: RRsets with wire RDATA, nodes with lookup flags, and the denial (NSEC/NSEC3) indexes.

import type { DnsName } from "./names";

/**
 * One RRset ready to be copied into a response: RDATA already in uncompressed wire form.
 * `targets` holds the names inside the RDATA that drive further processing (CNAME/DNAME target,
 * NS/MX/SRV host names for additional-section processing); it is empty for other types.
 */
export interface RRset {
  readonly owner: DnsName;
  readonly type: number;
  readonly ttl: number;
  readonly rdatas: readonly Buffer[];
  readonly targets: readonly DnsName[];
}

/**
 * One owner name of a compiled zone (NSD's "domain"): its RRsets by type number, the RRSIG RRsets
 * keyed by the type they cover, and the flags a lookup needs.
 */
export interface ZoneNode {
  readonly name: DnsName;
  readonly rrsets: ReadonlyMap<number, RRset>;
  /** RRSIG records at this name, grouped by type covered (RFC 4034 §3.1.1). */
  readonly sigs: ReadonlyMap<number, RRset>;
  /** The name exists only because names below it exist (RFC 4592 §2.2.2). */
  readonly emptyNonTerminal: boolean;
  /** The `*.<name>` node when this name is the parent of a wildcard (the source of synthesis, RFC 4592 §2.1.1). */
  readonly wildcard: ZoneNode | null;
  /** An NS RRset below the apex: a zone cut, data at or below it is not authoritative (RFC 1034 §4.2.1). */
  readonly delegation: boolean;
  /** The DNAME RRset, if any; it redirects every name below this one (RFC 6672 §2.3). */
  readonly dname: RRset | null;
}

/** NSEC3 parameters of a zone, taken from its NSEC3PARAM record (RFC 5155 §4). */
export interface Nsec3Params {
  readonly algorithm: number;
  readonly flags: number;
  readonly iterations: number;
  readonly salt: Buffer;
}

/** One NSEC3 owner: the decoded hash of its first label, with the NSEC3 RRset and its signatures. */
export interface Nsec3Entry {
  readonly hash: Buffer;
  readonly node: ZoneNode;
}

/** The NSEC3 chain of a zone, sorted by hash, with the parameters to hash query names. */
export interface Nsec3Index {
  readonly params: Nsec3Params;
  readonly entries: readonly Nsec3Entry[];
  /** Entries by lower-case hex of the hash, for exact ("matching") lookups. */
  readonly byHash: ReadonlyMap<string, Nsec3Entry>;
}

/** What a zone offers to prove non-existence: nodes holding NSEC in canonical order, and/or the NSEC3 chain. */
export interface DenialIndex {
  readonly nsec: readonly ZoneNode[];
  readonly nsec3: Nsec3Index | null;
}

/** An immutable zone compiled for answering; replaced as a whole, never mutated while served. */
export interface CompiledZone {
  readonly origin: DnsName;
  readonly apex: ZoneNode;
  /** Every owner name (plus empty non-terminals) by lower-case key; NSEC3 owners are kept apart. */
  readonly nodes: ReadonlyMap<string, ZoneNode>;
  readonly soa: RRset;
  readonly serial: number;
  /** TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5). */
  readonly negativeTtl: number;
  readonly denial: DenialIndex;
  /** Number of records compiled (out-of-zone records are dropped and not counted). */
  readonly recordCount: number;
}
