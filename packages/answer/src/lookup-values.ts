// The lookup as values (CoreDNS `plugin/file` style {answer, authority, additional, result}) for tools and tests.

import { parseName, RRType, typeToNumber } from "@pdns-distribute/dns";
import type { RcodeValue } from "./constants";
import { resolveInto } from "./lookup";
import type { DnsName } from "@pdns-distribute/dns";
import { Answer } from "./sections";
import type { LookupResultKind, Section } from "./sections";
import type { CompiledZone, RRset } from "./types";
import { nameOf, rrsetOf, wireToName } from "./zone-view";
import { present } from "./errors";

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

/**
 * Answers `qname`/`qtype` from `zone` (which must contain `qname`) and returns the sections as RRset values; see
 * {@link resolveInto} for the rules. The wire adapter uses `resolveInto` directly and never builds these values.
 */
export function lookup(
  zone: CompiledZone,
  qname: DnsName | string,
  qtype: number | string,
  options: Partial<LookupOptions> = {},
): LookupResponse {
  const out = new Answer();
  present(out.chain[0], "chain name").fromDnsName(typeof qname === "string" ? parseName(qname) : qname);
  out.reset(zone, options.dnssecOk === true);
  resolveInto(out, typeof qtype === "string" ? typeToNumber(qtype) : qtype);
  return {
    result: out.result,
    rcode: out.rcode,
    authoritative: out.authoritative,
    answer: sectionValues(out, zone, out.answer),
    authority: sectionValues(out, zone, out.authority),
    additional: sectionValues(out, zone, out.additional),
  };
}

/** The RRsets of one section as values (joined entries merged into one RRset). */
function sectionValues(out: Answer, zone: CompiledZone, section: Section): RRset[] {
  const values: RRset[] = [];
  for (let i = 0; i < section.n; i++) {
    const ownerRef = section.owner[i] ?? 0;
    const owner = ownerRef >= 0 ? nameOf(zone, ownerRef) : wireToName(present(out.chain[-ownerRef - 1], "chain name"));
    const rr = section.rr[i] ?? 0;
    const ttl = section.ttl[i] ?? 0;
    if (rr < 0) {
      const target = present(out.chain[section.aux[i] ?? 0], "chain name");
      const rdatas = [Buffer.from(target.buf.subarray(0, target.len))];
      values.push({ owner, type: RRType.CNAME, ttl, rdatas, targets: [wireToName(target)] });
    } else if (section.join[i] === 1 && values.length > 0) {
      const last = present(values[values.length - 1], "previous RRset");
      values[values.length - 1] = { ...last, rdatas: [...last.rdatas, ...rrsetOf(zone, rr, owner, ttl).rdatas] };
    } else {
      values.push(rrsetOf(zone, rr, owner, ttl));
    }
  }
  return values;
}
