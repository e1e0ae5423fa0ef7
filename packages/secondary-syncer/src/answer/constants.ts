// DNS numbers used on the answer path: record types, classes, opcodes and rcodes (as const, no enums).

/** Record type numbers the answer engine treats specially (IANA "Resource Record (RR) TYPEs"). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  AAAA: 28,
  SRV: 33,
  DNAME: 39,
  OPT: 41,
  DS: 43,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  NSEC3: 50,
  NSEC3PARAM: 51,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const;

/** Response codes (RFC 1035 §4.1.1, RFC 6672 YXDOMAIN, RFC 6891 §9 BADVERS as an extended rcode). */
export const Rcode = {
  NoError: 0,
  FormErr: 1,
  ServFail: 2,
  NxDomain: 3,
  NotImp: 4,
  Refused: 5,
  YxDomain: 6,
  BadVers: 16,
} as const;

/** One of the {@link Rcode} values. */
export type RcodeValue = (typeof Rcode)[keyof typeof Rcode];

/** The Internet class (RFC 1035 §3.2.4), the only one served. */
export const CLASS_IN = 1;

/** The QUERY opcode (RFC 1035 §4.1.1), the only one implemented. */
export const OPCODE_QUERY = 0;
