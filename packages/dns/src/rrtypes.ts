// Resource record type mnemonics ↔ numbers (IANA registry), with the RFC 3597 "TYPEnnn" form for the rest.

import { RdataError } from "./errors";

/** Record type mnemonic → number for the types known by name (IANA "Resource Record (RR) TYPEs"); the one table. */
export const RRType = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12, HINFO: 13, MINFO: 14,
  MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22, "NSAP-PTR": 23, SIG: 24, KEY: 25, PX: 26,
  GPOS: 27, AAAA: 28, LOC: 29, NXT: 30, EID: 31, NIMLOC: 32, SRV: 33, ATMA: 34, NAPTR: 35, KX: 36, CERT: 37, A6: 38,
  DNAME: 39, SINK: 40, OPT: 41, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49,
  NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53, HIP: 55, NINFO: 56, RKEY: 57, TALINK: 58, CDS: 59, CDNSKEY: 60,
  OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, UINFO: 100, UID: 101, GID: 102, UNSPEC: 103,
  NID: 104, L32: 105, L64: 106, LP: 107, EUI48: 108, EUI64: 109, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252,
  MAILB: 253, MAILA: 254, ANY: 255, URI: 256, CAA: 257, AVC: 258, DOA: 259, AMTRELAY: 260, TA: 32768, DLV: 32769,
} as const;

/** Mnemonic → type number, for parsing. */
const BY_NAME: ReadonlyMap<string, number> = new Map<string, number>(Object.entries(RRType));

const BY_NUMBER: ReadonlyMap<number, string> = new Map([...BY_NAME].map(([name, n]) => [n, name]));

/**
 * The number of a record type given as a mnemonic ("AAAA", case-insensitive) or in RFC 3597 form ("TYPE65534").
 * Throws {@link RdataError} for an unknown mnemonic or an out-of-range number.
 */
export function typeToNumber(type: string): number {
  const exact = BY_NAME.get(type);
  if (exact !== undefined) return exact;
  const upper = type.toUpperCase();
  const known = BY_NAME.get(upper);
  if (known !== undefined) return known;
  const m = /^TYPE([0-9]{1,5})$/.exec(upper);
  if (m) {
    const n = Number(m[1]);
    if (n <= 0xffff) return n;
  }
  throw new RdataError(`unknown record type "${type}"`);
}

/** The mnemonic of a record type number, or "TYPE<n>" when it has none. Throws {@link RdataError} if not 0..65535. */
export function numberToType(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RdataError(`record type number ${n} is out of range`);
  return BY_NUMBER.get(n) ?? `TYPE${n}`;
}

/** The canonical spelling of a type: upper-case mnemonic, or "TYPE<n>" when it has none ("type1" → "A"). */
export function canonicalType(type: string): string {
  return numberToType(typeToNumber(type));
}

/** The Internet class (RFC 1035 §3.2.4), the only one served and transferred. */
export const CLASS_IN = 1;
