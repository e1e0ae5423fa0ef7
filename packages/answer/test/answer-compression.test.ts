// RDATA name compression: exactly the RFC 1035 types compress their embedded names (RFC 3597 §4), no others.

import { dnsNameToWire, parseName, parseZoneText, typeToNumber } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";
import type { AnswerContext } from "../src";

/** RFC 3597 generic RDATA for types whose presentation form the zone parser does not know. */
function generic(...parts: (string | number[])[]): string {
  const bytes = Buffer.concat(parts.map((p) => (typeof p === "string" ? dnsNameToWire(parseName(p)) : Buffer.from(p))));
  return `\\# ${bytes.length} ${bytes.toString("hex")}`;
}

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "host.example.org. 300 IN A 192.0.2.2",
  "cname.example.org. 300 IN CNAME host.example.org.",
  "ptr.example.org. 300 IN PTR host.example.org.",
  "mx.example.org. 300 IN MX 10 host.example.org.",
  "mb.example.org. 300 IN MB host.example.org.",
  "mg.example.org. 300 IN MG host.example.org.",
  "mr.example.org. 300 IN MR host.example.org.",
  `minfo.example.org. 300 IN MINFO ${generic("host.example.org.", "ns1.example.org.")}`,
  "srv.example.org. 300 IN SRV 0 5 443 host.example.org.",
  'naptr.example.org. 300 IN NAPTR 100 10 "u" "E2U+sip" "" host.example.org.',
  "dname.example.org. 300 IN DNAME host.example.org.",
  "rp.example.org. 300 IN RP host.example.org. ns1.example.org.",
  "afsdb.example.org. 300 IN AFSDB 1 host.example.org.",
  "rt.example.org. 300 IN RT 1 host.example.org.",
  "kx.example.org. 300 IN KX 1 host.example.org.",
  `svcb.example.org. 300 IN SVCB ${generic([0, 1], "host.example.org.")}`,
  `https.example.org. 300 IN HTTPS ${generic([0, 1], "host.example.org.")}`,
  "nsec.example.org. 300 IN NSEC host.example.org. A RRSIG NSEC",
  "nsec.example.org. 300 IN RRSIG NSEC 13 3 300 20300101000000 20200101000000 12345 example.org. AAAA",
].join("\n");

const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);

function ctx(): AnswerContext {
  return { zones, logger: { warn: jest.fn(), error: jest.fn() }, transport: "udp", options: { roundRobin: false } };
}

/** Offset after the (possibly compressed) name at `at`; `pointer` tells whether it ended in a pointer. */
function skipName(msg: Buffer, at: number): { end: number; pointer: boolean } {
  let p = at;
  for (;;) {
    const len = msg[p] ?? 0;
    if ((len & 0xc0) === 0xc0) return { end: p + 2, pointer: true };
    if (len === 0) return { end: p + 1, pointer: false };
    p += len + 1;
  }
}

/** The first answer record's type and RDATA octets as sent (before any decompression). */
function firstAnswer(msg: Buffer): { type: number; rdata: Buffer } {
  let p = skipName(msg, 12).end + 4;
  p = skipName(msg, p).end;
  const length = msg.readUInt16BE(p + 8);
  return { type: msg.readUInt16BE(p), rdata: msg.subarray(p + 10, p + 10 + length) };
}

/** Whether each name inside `rdata` (at the given offsets, in order) ends in a compression pointer. */
function pointers(msg: Buffer, rdata: Buffer, layout: readonly (number | "n")[]): boolean[] {
  const base = rdata.byteOffset - msg.byteOffset;
  let p = base;
  const out: boolean[] = [];
  for (const part of layout) {
    if (part === "n") {
      const r = skipName(msg, p);
      out.push(r.pointer);
      p = r.end;
    } else p += part;
  }
  return out;
}

interface Case {
  qname: string;
  qtype: string;
  /** RDATA layout: fixed octet counts and names ("n"), as far as the last name. */
  layout: readonly (number | "n")[];
  compressed: boolean;
  why: string;
}

const CASES: Case[] = [
  { qname: "example.org", qtype: "NS", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.11" },
  { qname: "example.org", qtype: "SOA", layout: ["n", "n"], compressed: true, why: "RFC 1035 §3.3.13 MNAME, RNAME" },
  { qname: "cname.example.org", qtype: "CNAME", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.1" },
  { qname: "ptr.example.org", qtype: "PTR", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.12" },
  { qname: "mx.example.org", qtype: "MX", layout: [2, "n"], compressed: true, why: "RFC 1035 §3.3.9" },
  { qname: "mb.example.org", qtype: "MB", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.3" },
  { qname: "mg.example.org", qtype: "MG", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.6" },
  { qname: "mr.example.org", qtype: "MR", layout: ["n"], compressed: true, why: "RFC 1035 §3.3.8" },
  { qname: "minfo.example.org", qtype: "MINFO", layout: ["n", "n"], compressed: true, why: "RFC 1035 §3.3.7" },
  { qname: "srv.example.org", qtype: "SRV", layout: [6, "n"], compressed: false, why: "RFC 2782: target MUST NOT be compressed" },
  { qname: "naptr.example.org", qtype: "NAPTR", layout: [4, 2, 8, 1, "n"], compressed: false, why: "RFC 3403 §4.1 / RFC 3597 §4" },
  { qname: "dname.example.org", qtype: "DNAME", layout: ["n"], compressed: false, why: "RFC 6672 §2.5" },
  { qname: "rp.example.org", qtype: "RP", layout: ["n", "n"], compressed: false, why: "RFC 3597 §4: not an RFC 1035 type" },
  { qname: "afsdb.example.org", qtype: "AFSDB", layout: [2, "n"], compressed: false, why: "RFC 3597 §4: not an RFC 1035 type" },
  { qname: "rt.example.org", qtype: "RT", layout: [2, "n"], compressed: false, why: "RFC 3597 §4" },
  { qname: "kx.example.org", qtype: "KX", layout: [2, "n"], compressed: false, why: "RFC 2230 §3.1 / RFC 3597 §4" },
  { qname: "svcb.example.org", qtype: "SVCB", layout: [2, "n"], compressed: false, why: "RFC 9460 §2.2" },
  { qname: "https.example.org", qtype: "HTTPS", layout: [2, "n"], compressed: false, why: "RFC 9460 §2.2" },
  { qname: "nsec.example.org", qtype: "NSEC", layout: ["n"], compressed: false, why: "RFC 4034 §4.1.1, §6.2" },
  { qname: "nsec.example.org", qtype: "RRSIG", layout: [18, "n"], compressed: false, why: "RFC 4034 §3.1.7" },
];

describe("RDATA name compression (RFC 3597 §4: only the RFC 1035 types)", () => {
  test.each(CASES)("$qtype at $qname: compressed $compressed ($why)", ({ qname, qtype, layout, compressed }) => {
    const query = dnsPacket.encode({ type: "query", id: 1, questions: [{ name: qname, type: "A" }] });
    query.writeUInt16BE(typeToNumber(qtype), query.length - 4); // QTYPE: dns-packet lacks some of these mnemonics
    const msg = answerQuery(query, ctx()) as Buffer;
    const decoded = dnsPacket.decode(msg);
    expect(decoded.rcode).toBe("NOERROR");
    expect(decoded.answers).toHaveLength(1);
    const first = firstAnswer(msg);
    expect(first.type).toBe(typeToNumber(qtype));
    const got = pointers(msg, first.rdata, layout);
    expect(got).toEqual(got.map(() => compressed));
    // Uncompressed RDATA holds no pointer at all.
    if (!compressed) expect(got).not.toContain(true);
  });

  test("compressed names decode to the zone's names, and the answer shrinks", () => {
    const query = dnsPacket.encode({ type: "query", id: 1, questions: [{ name: "example.org", type: "SOA" }] });
    const msg = answerQuery(query, ctx()) as Buffer;
    const soa = dnsPacket.decode(msg).answers?.[0] as dnsPacket.Answer & { data: { mname: string; rname: string } };
    expect([soa.data.mname, soa.data.rname]).toEqual(["ns1.example.org", "hostmaster.example.org"]);
    // Header 12, question 17, owner pointer 2 + 10, MNAME "ns1" + pointer 6, RNAME "hostmaster" + pointer 13, 20.
    expect(msg.length).toBe(12 + 17 + 12 + 6 + 13 + 20);
  });
});
