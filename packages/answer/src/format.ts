// Presentation form of compiled RRsets and lookup results, for logs, tools and table-driven tests.

import { nameKey, numberToType, rdataFromWire } from "@pdns-distribute/dns";
import type { LookupResponse } from "./lookup-values";
import type { RRset } from "./types";

/** The records of an RRset as zone-file lines: `<owner> <ttl> IN <type> <rdata>`. */
export function rrsetToText(rrset: RRset): string[] {
  const type = numberToType(rrset.type);
  return rrset.rdatas.map((rdata) => `${nameKey(rrset.owner)} ${rrset.ttl} IN ${type} ${rdataFromWire(type, rdata)}`);
}

/** The sections of a lookup result as zone-file lines, with the result, rcode and AA flag. */
export function lookupToText(response: LookupResponse): {
  result: string;
  rcode: number;
  authoritative: boolean;
  answer: string[];
  authority: string[];
  additional: string[];
} {
  return {
    result: response.result,
    rcode: response.rcode,
    authoritative: response.authoritative,
    answer: response.answer.flatMap(rrsetToText),
    authority: response.authority.flatMap(rrsetToText),
    additional: response.additional.flatMap(rrsetToText),
  };
}
