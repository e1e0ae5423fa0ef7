// Shapes of a compiled zone (NSD-style packed arrays: numbered names, one RDATA arena) and its read-only views.

import type { NameTable } from "./name-table";
import type { DnsName } from "@pdns-distribute/dns";

/** Scale of the values of {@link CompiledZone.moved}: a moved name holds fewer RRsets than this. */
export const MOVED_SPAN = 4096;

/** Marks an RRset of RRSIG records in `rrKey`: the low 16 bits then hold the type covered (RFC 4034 §3.1.1). */
export const SIG_BIT = 0x10000;

/**
 * One RRset as a value, for tools, tests and logs (the engine itself works on RRset numbers).
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

/** One name of a compiled zone as a value (materialised on request; tools and tests). */
export interface ZoneNode {
  readonly id: number;
  readonly name: DnsName;
  readonly rrsets: ReadonlyMap<number, RRset>;
  /** RRSIG records at this name, grouped by type covered (RFC 4034 §3.1.1). */
  readonly sigs: ReadonlyMap<number, RRset>;
  /** The name exists only because names below it exist (RFC 4592 §2.2.2). */
  readonly emptyNonTerminal: boolean;
  /** An NS RRset below the apex: a zone cut (RFC 1034 §4.2.1). */
  readonly delegation: boolean;
  /** The `*.<name>` child when this name is the parent of a wildcard (RFC 4592 §2.1.1). */
  readonly wildcard: ZoneNode | null;
}

/** A read-only view of a zone's names by lower-case presentation key (trailing dot); NSEC3 owners excluded. */
export interface ZoneNodes {
  get(key: string): ZoneNode | undefined;
  has(key: string): boolean;
  readonly size: number;
}

/** NSEC3 parameters of a zone, taken from its NSEC3PARAM record (RFC 5155 §4). */
export interface Nsec3Params {
  readonly algorithm: number;
  readonly flags: number;
  readonly iterations: number;
  readonly salt: Buffer;
}

/** One NSEC3 owner: the decoded hash of its first label and its name number. */
export interface Nsec3Entry {
  readonly hash: Buffer;
  readonly id: number;
}

/** The NSEC3 chain of a zone, sorted by hash, with the parameters to hash query names. */
export interface Nsec3Index {
  readonly params: Nsec3Params;
  readonly entries: readonly Nsec3Entry[];
  /** Entries by lower-case hex of the hash, for exact ("matching") lookups. */
  readonly byHash: ReadonlyMap<string, Nsec3Entry>;
}

/** What a zone offers to prove non-existence: names holding NSEC in canonical order, and/or the NSEC3 chain. */
export interface DenialIndex {
  readonly nsec: Int32Array;
  readonly nsec3: Nsec3Index | null;
}

/**
 * An immutable zone compiled for answering; replaced as a whole, never mutated while served. RRsets are numbered:
 * those of name `i` are `rrStart[i]` … `rrStart[i + 1] - 1` (unless `moved` says otherwise), in the order their types first appeared. The records
 * of RRset `r` are `rrCount[r]` entries `[RDLENGTH (2 octets)][RDATA]` back to back in `arena` from `rrData[r]`,
 * RDATA in uncompressed wire form: a record's wire tail is one copy.
 */
export interface CompiledZone {
  readonly origin: DnsName;
  /** The origin in lower-case wire form. */
  readonly originWire: Buffer;
  readonly originLabels: number;
  readonly names: NameTable;
  readonly rrStart: Uint32Array;
  /**
   * Null for a zone compiled whole. A version made by an overlay of changes (zone-overlay.ts) lists here the names
   * whose RRsets lie elsewhere (changed or new names): name → first RRset × {@link MOVED_SPAN} + number of RRsets.
   * Read RRset ranges through `findKey`, `rrFirst` and `rrEnd` (zone-view.ts), which consult it first.
   */
  readonly moved: ReadonlyMap<number, number> | null;
  /** Type, or `SIG_BIT | type covered` for RRSIGs. */
  readonly rrKey: Uint32Array;
  readonly rrTtl: Uint32Array;
  readonly rrData: Uint32Array;
  readonly rrCount: Uint32Array;
  readonly arena: Buffer;
  /** The apex SOA RRset number. */
  readonly soa: number;
  readonly serial: number;
  /** TTL of negative answers: min(SOA TTL, SOA MINIMUM) (RFC 2308 §3, §5). */
  readonly negativeTtl: number;
  readonly denial: DenialIndex;
  /** Number of records compiled (out-of-zone records are dropped and not counted). */
  readonly recordCount: number;
  /** The apex as a value. */
  readonly apex: ZoneNode;
  /** Names by presentation key (views made on request). */
  readonly nodes: ZoneNodes;
}
