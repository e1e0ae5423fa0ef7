// DNS numbers used on the answer path: opcodes and rcodes (as const, no enums; record types and classes: @pdns-distribute/dns).

import { CLASS_IN as DNS_CLASS_IN, RRType as DNS_RR_TYPE } from "@pdns-distribute/dns";

/**
 * @pdns-distribute/dns's RRType, bound once for this package's query path. Read through the package index, each use
 * is a getter call on an object V8 keeps in dictionary mode (TypeScript compiles re-exports to getters): a slow
 * property load, several per query. The modules answering queries import it (and {@link CLASS_IN}) from here.
 */
export const RRType: typeof DNS_RR_TYPE = DNS_RR_TYPE;
/** @pdns-distribute/dns's CLASS_IN, bound once (see {@link RRType}). */
export const CLASS_IN: typeof DNS_CLASS_IN = DNS_CLASS_IN;

/** Response codes (RFC 1035 §4.1.1, RFC 6672 YXDOMAIN, RFC 8945 §5.2 NOTAUTH, RFC 6891 §9 BADVERS as an extended rcode). */
export const Rcode = {
  NoError: 0,
  FormErr: 1,
  ServFail: 2,
  NxDomain: 3,
  NotImp: 4,
  Refused: 5,
  YxDomain: 6,
  NotAuth: 9,
  BadVers: 16,
} as const;

/** One of the {@link Rcode} values. */
export type RcodeValue = (typeof Rcode)[keyof typeof Rcode];

/** The QUERY opcode (RFC 1035 §4.1.1), the only one implemented. */
export const OPCODE_QUERY = 0;

/**
 * Largest UDP response we send and the size we advertise in OPT (RFC 6891 §6.2.5): 1232 octets, the DNS flag
 * day 2020 value, which fits the IPv6 minimum MTU of 1280 without fragmentation.
 */
export const EDNS_UDP_PAYLOAD = 1232;

/** EDNS option code of Extended DNS Errors (RFC 8914 §2). */
export const EDE_OPTION_CODE = 15;

/**
 * The Extended DNS Error INFO-CODEs we send (RFC 8914 §4), on REFUSED replies to queries that carried an OPT.
 * RFC 8914 defines none for a rate-limited (RRL slipped) reply, so that one has none.
 */
export const ExtendedError = {
  /** §4.19: the client is not allowed (a zone transfer refused by the allow-list). */
  Prohibited: 18,
  /** §4.21: the name is in no zone this server is authoritative for (as Knot sends). */
  NotAuthoritative: 20,
} as const;

/** One of the {@link ExtendedError} values, or -1 for none. */
export type ExtendedErrorValue = (typeof ExtendedError)[keyof typeof ExtendedError] | -1;
