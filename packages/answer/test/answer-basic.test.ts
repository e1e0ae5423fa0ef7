// Answer engine: exact matches, NODATA/NXDOMAIN with negative TTL, empty non-terminals, ANY, additional section, ZoneSet.

import { parseZoneText, parseName } from "@pdns-distribute/dns";
import { expectLookup } from "./lookup-case";
import type { LookupCase } from "./lookup-case";
import { compileZone, createZoneSet, lookup, lookupToText, ZoneCompileError } from "../src";

const ZONE = `
example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300
example.org. 3600 IN NS ns1.example.org.
example.org. 3600 IN NS ns2.example.net.
example.org. 3600 IN MX 10 mail.example.org.
example.org. 3600 IN MX 20 mx.example.net.
ns1.example.org. 3600 IN A 192.0.2.1
ns1.example.org. 3600 IN AAAA 2001:db8::1
mail.example.org. 3600 IN A 192.0.2.2
www.example.org. 300 IN A 192.0.2.10
www.example.org. 300 IN A 192.0.2.11
www.example.org. 300 IN TXT "hello"
_sip._udp.example.org. 3600 IN SRV 0 5 5060 sip.example.org.
sip.example.org. 3600 IN AAAA 2001:db8::5
a.b.c.example.org. 3600 IN A 192.0.2.20
other.test. 3600 IN A 192.0.2.99
`;

const SOA = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300";


const cases: LookupCase[] = [
  {
    qname: "www.example.org.",
    qtype: "A",
    result: "success",
    answer: ["www.example.org. 300 IN A 192.0.2.10", "www.example.org. 300 IN A 192.0.2.11"],
  },
  {
    qname: "WwW.ExAmPlE.oRg.",
    qtype: "TXT",
    result: "success",
    answer: ['www.example.org. 300 IN TXT "hello"'],
  },
  { qname: "www.example.org.", qtype: "AAAA", result: "nodata", authority: [SOA] },
  { qname: "nope.example.org.", qtype: "A", result: "nxdomain", rcode: 3, authority: [SOA] },
  // b.c.example.org. and c.example.org. exist only because a.b.c.example.org. does (empty non-terminals).
  { qname: "b.c.example.org.", qtype: "A", result: "nodata", authority: [SOA] },
  { qname: "c.example.org.", qtype: "TXT", result: "nodata", authority: [SOA] },
  { qname: "x.b.c.example.org.", qtype: "A", result: "nxdomain", rcode: 3, authority: [SOA] },
  {
    qname: "example.org.",
    qtype: "MX",
    result: "success",
    answer: ["example.org. 3600 IN MX 10 mail.example.org.", "example.org. 3600 IN MX 20 mx.example.net."],
    additional: ["mail.example.org. 3600 IN A 192.0.2.2"],
  },
  {
    qname: "example.org.",
    qtype: "NS",
    result: "success",
    answer: ["example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns2.example.net."],
    additional: ["ns1.example.org. 3600 IN A 192.0.2.1", "ns1.example.org. 3600 IN AAAA 2001:db8::1"],
  },
  {
    qname: "_sip._udp.example.org.",
    qtype: "SRV",
    result: "success",
    answer: ["_sip._udp.example.org. 3600 IN SRV 0 5 5060 sip.example.org."],
    additional: ["sip.example.org. 3600 IN AAAA 2001:db8::5"],
  },
  {
    qname: "example.org.",
    qtype: "SOA",
    result: "success",
    answer: ["example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300"],
  },
  // RFC 8482 §4.2: ANY gets one RRset.
  {
    qname: "www.example.org.",
    qtype: "ANY",
    result: "success",
    answer: ["www.example.org. 300 IN A 192.0.2.10", "www.example.org. 300 IN A 192.0.2.11"],
  },
  { qname: "c.example.org.", qtype: "ANY", result: "nodata", authority: [SOA] },
];

describe("answer engine: basic lookups", () => {
  const zone = compileZone("example.org.", parseZoneText(ZONE));

  test.each(cases)("$qname $qtype → $result", (c) => expectLookup(zone, c));

  test("negative TTL is min(SOA TTL, SOA MINIMUM) (RFC 2308 §3)", () => {
    const low = compileZone(
      "example.com.",
      parseZoneText("example.com. 60 IN SOA ns.example.com. h.example.com. 1 7200 3600 1209600 300\n"),
    );
    expect(low.negativeTtl).toBe(60);
    const got = lookupToText(lookup(low, "x.example.com.", "A"));
    expect(got.authority).toEqual(["example.com. 60 IN SOA ns.example.com. h.example.com. 1 7200 3600 1209600 300"]);
  });

  test("records outside the zone are dropped and counted out", () => {
    expect(zone.nodes.has("other.test.")).toBe(false);
    expect(zone.recordCount).toBe(14);
    expect(zone.serial).toBe(2024010101);
  });

  test("duplicate records collapse and an RRset takes its lowest TTL (RFC 2181 §5)", () => {
    const z = compileZone(
      "example.com.",
      parseZoneText(
        [
          "example.com. 60 IN SOA ns.example.com. h.example.com. 1 7200 3600 1209600 300",
          "a.example.com. 300 IN A 192.0.2.1",
          "a.example.com. 100 IN A 192.0.2.2",
          "a.example.com. 300 IN A 192.0.2.1",
        ].join("\n"),
      ),
    );
    expect(lookupToText(lookup(z, "a.example.com.", "A")).answer).toEqual([
      "a.example.com. 100 IN A 192.0.2.1",
      "a.example.com. 100 IN A 192.0.2.2",
    ]);
  });

  test("a zone without SOA at its apex does not compile", () => {
    expect(() => compileZone("example.com.", parseZoneText("www.example.com. 60 IN A 192.0.2.1\n"))).toThrow(
      ZoneCompileError,
    );
  });
});

describe("answer engine: ZoneSet", () => {
  const parent = compileZone("example.org.", parseZoneText(ZONE));
  const child = compileZone(
    "sub.example.org.",
    parseZoneText("sub.example.org. 60 IN SOA ns.sub.example.org. h.example.org. 7 7200 3600 1209600 300\n"),
  );

  test("the most specific zone wins (longest suffix)", () => {
    const set = createZoneSet([parent, child]);
    expect(set.find(parseName("www.sub.example.org."))).toBe(child);
    expect(set.find(parseName("SUB.example.org."))).toBe(child);
    expect(set.find(parseName("www.example.org."))).toBe(parent);
    expect(set.find(parseName("example.net."))).toBeUndefined();
    expect(set.find(parseName("org."))).toBeUndefined();
  });

  test("DS at a child apex goes to the parent zone when both are served (RFC 4035 §3.1.4.1)", () => {
    const set = createZoneSet([parent, child]);
    expect(set.find(parseName("sub.example.org."), 43)).toBe(parent);
    expect(set.find(parseName("www.sub.example.org."), 43)).toBe(child);
    expect(createZoneSet([child]).find(parseName("sub.example.org."), 43)).toBe(child);
  });

  test("replacing a zone swaps the reference; the old object stays intact", () => {
    const set = createZoneSet([parent]);
    const next = compileZone("example.org.", parseZoneText(ZONE.replace("2024010101", "2024010102")));
    expect(set.put(next)).toBe(parent);
    expect(set.get("EXAMPLE.org")).toBe(next);
    expect(parent.serial).toBe(2024010101);
    expect(lookup(parent, "www.example.org.", "A").answer).toHaveLength(1);
    expect(set.remove("example.org.")).toBe(next);
    expect(set.size).toBe(0);
  });
});
