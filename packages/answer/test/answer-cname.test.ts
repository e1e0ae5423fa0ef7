// Answer engine: CNAME chains inside the zone, out-of-zone targets, loops, qtype CNAME, and DNAME (RFC 6672).

import { parseZoneText } from "@pdns-distribute/dns";
import { expectLookup } from "./lookup-case";
import type { LookupCase } from "./lookup-case";
import { compileZone, lookup, lookupToText } from "../src";

const ZONE = `
example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
example.org. 3600 IN NS ns1.example.org.
ns1.example.org. 3600 IN A 192.0.2.1
a.example.org. 300 IN CNAME b.example.org.
b.example.org. 300 IN CNAME c.example.org.
c.example.org. 300 IN A 192.0.2.3
out.example.org. 300 IN CNAME www.example.net.
dangling.example.org. 300 IN CNAME missing.example.org.
toempty.example.org. 300 IN CNAME c.example.org.
loop1.example.org. 300 IN CNAME loop2.example.org.
loop2.example.org. 300 IN CNAME loop1.example.org.
self.example.org. 300 IN CNAME self.example.org.
todeleg.example.org. 300 IN CNAME host.child.example.org.
child.example.org. 3600 IN NS ns.child.example.org.
ns.child.example.org. 3600 IN A 192.0.2.53
tomx.example.org. 300 IN CNAME mx.example.org.
mx.example.org. 300 IN MX 10 c.example.org.
dn.example.org. 600 IN DNAME example.net.
inner.example.org. 600 IN DNAME target.example.org.
x.target.example.org. 300 IN A 192.0.2.30
`;

const SOA = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300";
const CHAIN = ["a.example.org. 300 IN CNAME b.example.org.", "b.example.org. 300 IN CNAME c.example.org."];


const cases: LookupCase[] = [
  {
    name: "a chain is followed to the end, every link in the answer",
    qname: "a.example.org.",
    qtype: "A",
    result: "success",
    answer: [...CHAIN, "c.example.org. 300 IN A 192.0.2.3"],
  },
  {
    name: "qtype CNAME returns the CNAME itself",
    qname: "a.example.org.",
    qtype: "CNAME",
    result: "success",
    answer: ["a.example.org. 300 IN CNAME b.example.org."],
  },
  {
    name: "the chain ends in NODATA: SOA in authority, NOERROR",
    qname: "a.example.org.",
    qtype: "AAAA",
    result: "nodata",
    answer: CHAIN,
    authority: [SOA],
  },
  {
    name: "the chain ends in a name error: rcode of the last name (RFC 6604 §3)",
    qname: "dangling.example.org.",
    qtype: "A",
    result: "nxdomain",
    rcode: 3,
    answer: ["dangling.example.org. 300 IN CNAME missing.example.org."],
    authority: [SOA],
  },
  {
    name: "an out-of-zone target stops the chain",
    qname: "out.example.org.",
    qtype: "A",
    result: "success",
    answer: ["out.example.org. 300 IN CNAME www.example.net."],
  },
  {
    name: "a loop is detected and the chain stops",
    qname: "loop1.example.org.",
    qtype: "A",
    result: "success",
    answer: ["loop1.example.org. 300 IN CNAME loop2.example.org.", "loop2.example.org. 300 IN CNAME loop1.example.org."],
  },
  {
    name: "a CNAME to itself",
    qname: "self.example.org.",
    qtype: "A",
    result: "success",
    answer: ["self.example.org. 300 IN CNAME self.example.org."],
  },
  {
    name: "a target below a zone cut: the CNAME, then the referral (AA stays: the answer is ours)",
    qname: "todeleg.example.org.",
    qtype: "A",
    result: "delegation",
    answer: ["todeleg.example.org. 300 IN CNAME host.child.example.org."],
    authority: ["child.example.org. 3600 IN NS ns.child.example.org."],
    additional: ["ns.child.example.org. 3600 IN A 192.0.2.53"],
  },
  {
    name: "additional-section processing applies to the end of the chain",
    qname: "tomx.example.org.",
    qtype: "MX",
    result: "success",
    answer: ["tomx.example.org. 300 IN CNAME mx.example.org.", "mx.example.org. 300 IN MX 10 c.example.org."],
    additional: ["c.example.org. 300 IN A 192.0.2.3"],
  },
  {
    name: "DNAME: the DNAME and a synthesised CNAME; out-of-zone target stops (RFC 6672 §3.2)",
    qname: "www.dn.example.org.",
    qtype: "A",
    result: "success",
    answer: ["dn.example.org. 600 IN DNAME example.net.", "www.dn.example.org. 600 IN CNAME www.example.net."],
  },
  {
    name: "DNAME into the zone is followed",
    qname: "x.inner.example.org.",
    qtype: "A",
    result: "success",
    answer: [
      "inner.example.org. 600 IN DNAME target.example.org.",
      "x.inner.example.org. 600 IN CNAME x.target.example.org.",
      "x.target.example.org. 300 IN A 192.0.2.30",
    ],
  },
  {
    name: "DNAME applies to deeper names too",
    qname: "A.B.dn.example.org.",
    qtype: "TXT",
    result: "success",
    answer: ["dn.example.org. 600 IN DNAME example.net.", "a.b.dn.example.org. 600 IN CNAME a.b.example.net."],
  },
  {
    name: "the DNAME owner itself is not redirected (RFC 6672 §2.3)",
    qname: "dn.example.org.",
    qtype: "A",
    result: "nodata",
    authority: [SOA],
  },
  {
    name: "qtype DNAME at the owner returns the DNAME",
    qname: "dn.example.org.",
    qtype: "DNAME",
    result: "success",
    answer: ["dn.example.org. 600 IN DNAME example.net."],
  },
];

describe("answer engine: CNAME and DNAME", () => {
  const zone = compileZone("example.org.", parseZoneText(ZONE));

  test.each(cases)("$name", (c) => expectLookup(zone, c));

  test("a DNAME substitution that overflows 255 octets gives YXDOMAIN (RFC 6672 §2.2)", () => {
    const long = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}`;
    const z = compileZone(
      "example.org.",
      parseZoneText(
        [
          "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
          `d.example.org. 600 IN DNAME ${long}.example.org.`,
        ].join("\n"),
      ),
    );
    const got = lookup(z, `${"x".repeat(60)}.${"y".repeat(40)}.d.example.org.`, "A");
    expect(got.result).toBe("yxdomain");
    expect(got.rcode).toBe(6);
    expect(lookupToText(got).answer).toEqual([`d.example.org. 600 IN DNAME ${long}.example.org.`]);
  });
});
