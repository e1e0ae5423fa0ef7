// Additional A/AAAA for in-zone SVCB/HTTPS targets (RFC 9460 §4), "." standing for the owner in ServiceMode (§2.5).

import { dnsNameToWire, parseName, parseZoneText, readMessageAnswers, RRType } from "@pdns-distribute/dns";
import { expectLookup } from "./lookup-case";
import type { LookupCase } from "./lookup-case";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet } from "../src";

/** SVCB/HTTPS RDATA in the RFC 3597 generic form (the zone parser has no SVCB presentation format): no SvcParams. */
function svc(priority: number, target: string): string {
  const wire = Buffer.concat([Buffer.from([priority >> 8, priority & 0xff]), dnsNameToWire(parseName(target))]);
  return `\\# ${wire.length} ${wire.toString("hex").toUpperCase()}`;
}

const SOA = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300";

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  `example.org. 300 IN HTTPS ${svc(0, "pool.example.org.")}`,
  "pool.example.org. 300 IN A 192.0.2.10",
  `www.example.org. 300 IN HTTPS ${svc(1, "svc.example.org.")}`,
  "svc.example.org. 300 IN A 192.0.2.20",
  "svc.example.org. 300 IN AAAA 2001:db8::20",
  `self.example.org. 300 IN HTTPS ${svc(1, ".")}`,
  "self.example.org. 300 IN A 192.0.2.30",
  "self.example.org. 300 IN AAAA 2001:db8::30",
  `_8443._foo.api.example.org. 300 IN SVCB ${svc(1, "svc.example.org.")}`,
  `gone.example.org. 300 IN HTTPS ${svc(0, ".")}`,
  "gone.example.org. 300 IN A 192.0.2.40",
  `ext.example.org. 300 IN HTTPS ${svc(1, "cdn.example.net.")}`,
  `cut.example.org. 300 IN HTTPS ${svc(1, "host.deleg.example.org.")}`,
  "deleg.example.org. 3600 IN NS ns.deleg.example.org.",
  "ns.deleg.example.org. 3600 IN A 192.0.2.53",
  "host.deleg.example.org. 3600 IN A 192.0.2.54",
  `*.w.example.org. 300 IN HTTPS ${svc(1, ".")}`,
  "*.w.example.org. 300 IN A 192.0.2.60",
].join("\n");

const zone = compileZone("example.org.", parseZoneText(ZONE));

const https = (owner: string, priority: number, target: string): string => `${owner} 300 IN HTTPS ${svc(priority, target)}`;

const cases: LookupCase[] = [
  {
    name: "ServiceMode: A and AAAA of the in-zone TargetName (RFC 9460 §4)",
    qname: "www.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("www.example.org.", 1, "svc.example.org.")],
    additional: ["svc.example.org. 300 IN A 192.0.2.20", "svc.example.org. 300 IN AAAA 2001:db8::20"],
  },
  {
    name: "SVCB the same as HTTPS (RFC 9460 §4)",
    qname: "_8443._foo.api.example.org.",
    qtype: "SVCB",
    result: "success",
    answer: [`_8443._foo.api.example.org. 300 IN SVCB ${svc(1, "svc.example.org.")}`],
    additional: ["svc.example.org. 300 IN A 192.0.2.20", "svc.example.org. 300 IN AAAA 2001:db8::20"],
  },
  {
    name: "AliasMode: A of the TargetName (RFC 9460 §4)",
    qname: "example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("example.org.", 0, "pool.example.org.")],
    additional: ["pool.example.org. 300 IN A 192.0.2.10"],
  },
  {
    name: 'ServiceMode "." is the owner name (RFC 9460 §2.5)',
    qname: "self.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("self.example.org.", 1, ".")],
    additional: ["self.example.org. 300 IN A 192.0.2.30", "self.example.org. 300 IN AAAA 2001:db8::30"],
  },
  {
    name: 'AliasMode "." means no service: nothing added (RFC 9460 §2.5.1)',
    qname: "gone.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("gone.example.org.", 0, ".")],
  },
  {
    name: "a TargetName outside the zone adds nothing",
    qname: "ext.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("ext.example.org.", 1, "cdn.example.net.")],
  },
  {
    name: "a TargetName below a zone cut is not glue for SVCB (RFC 9471)",
    qname: "cut.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("cut.example.org.", 1, "host.deleg.example.org.")],
  },
  {
    name: 'ServiceMode "." under a wildcard: the synthesised owner\'s A (RFC 4592, RFC 9460 §2.5)',
    qname: "x.w.example.org.",
    qtype: "HTTPS",
    result: "success",
    answer: [https("x.w.example.org.", 1, ".")],
    additional: ["x.w.example.org. 300 IN A 192.0.2.60"],
  },
  { name: "NODATA still has no additionals", qname: "pool.example.org.", qtype: "HTTPS", result: "nodata", authority: [SOA] },
];

describe("SVCB/HTTPS additional section processing (RFC 9460 §4)", () => {
  test.each(cases)("$name", (c) => expectLookup(zone, c));

  test.each([
    ["www.example.org", "svc.example.org"],
    ["x.w.example.org", "x.w.example.org"],
  ])("on the wire: HTTPS at %s carries the A of %s in additional, TargetName uncompressed", (qname, host) => {
    const query = dnsPacket.encode({ type: "query", id: 3, questions: [{ name: qname, type: "A" }] });
    query.writeUInt16BE(RRType.HTTPS, query.length - 4); // QTYPE HTTPS, by number
    const ctx = { zones: createZoneSet([zone]), logger: { warn: jest.fn(), error: jest.fn() }, transport: "udp" as const };
    const raw = answerQuery(query, ctx) as Buffer;
    const res = dnsPacket.decode(raw);
    expect(res.rcode).toBe("NOERROR");
    const answers = readMessageAnswers(raw).answers;
    expect(answers.map((a) => [a.owner.join("."), a.type])).toEqual([[qname, RRType.HTTPS]]);
    // RFC 9460 §2.2: the TargetName is never compressed, so the RDATA is exactly as compiled.
    expect(raw.includes(answers[0]?.rdata ?? Buffer.alloc(1))).toBe(true);
    expect(res.additionals?.filter((a) => a.type === "A").map((a) => a.name)).toEqual([host]);
    expect(ctx.logger.error).not.toHaveBeenCalled();
  });
});
