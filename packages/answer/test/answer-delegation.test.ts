// Answer engine: zone cuts — referrals with glue (AA clear), DS answered from the parent side, occluded data.

import { parseZoneText } from "@pdns-distribute/dns";
import { expectLookup } from "./lookup-case";
import type { LookupCase } from "./lookup-case";
import { compileZone } from "../src";

const DS_RDATA = "12345 13 2 " + "AB".repeat(32);
const SIG = "20300101000000 20200101000000 4242 example.org. " + Buffer.alloc(64, 7).toString("base64");

const ZONE = `
example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300
example.org. 3600 IN NS ns1.example.org.
example.org. 3600 IN NS ns1.child.example.org.
example.org. 3600 IN MX 10 mail.child.example.org.
ns1.example.org. 3600 IN A 192.0.2.1
child.example.org. 3600 IN NS ns1.child.example.org.
child.example.org. 3600 IN NS ns.other.net.
child.example.org. 3600 IN DS ${DS_RDATA}
child.example.org. 3600 IN RRSIG DS 13 3 3600 ${SIG}
ns1.child.example.org. 3600 IN A 192.0.2.53
ns1.child.example.org. 3600 IN AAAA 2001:db8::53
mail.child.example.org. 3600 IN A 192.0.2.25
unsigned.example.org. 3600 IN NS ns.unsigned.example.org.
ns.unsigned.example.org. 3600 IN A 192.0.2.54
`;

const SOA = "example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300";
const CHILD_NS = ["child.example.org. 3600 IN NS ns1.child.example.org.", "child.example.org. 3600 IN NS ns.other.net."];
const GLUE = ["ns1.child.example.org. 3600 IN A 192.0.2.53", "ns1.child.example.org. 3600 IN AAAA 2001:db8::53"];
const DS = `child.example.org. 3600 IN DS ${DS_RDATA}`;
const DS_SIG = `child.example.org. 3600 IN RRSIG DS 13 3 3600 ${SIG}`;


const referral = { result: "delegation", aa: false, authority: CHILD_NS, additional: GLUE };

const cases: LookupCase[] = [
  { name: "a name below the cut gets a referral with glue", qname: "www.child.example.org.", qtype: "A", ...referral },
  { name: "the cut itself gets a referral", qname: "child.example.org.", qtype: "A", ...referral },
  { name: "NS at the cut is not authoritative: referral", qname: "child.example.org.", qtype: "NS", ...referral },
  { name: "ANY at the cut: referral", qname: "child.example.org.", qtype: "ANY", ...referral },
  { name: "glue names are occluded: referral", qname: "ns1.child.example.org.", qtype: "A", ...referral },
  { name: "deep names below the cut: referral", qname: "a.b.c.child.example.org.", qtype: "MX", ...referral },
  {
    name: "DS at the cut is answered from the parent side, authoritatively (RFC 4035 §3.1.4.1)",
    qname: "child.example.org.",
    qtype: "DS",
    result: "success",
    aa: true,
    answer: [DS],
  },
  {
    name: "DS with DO carries its RRSIG",
    qname: "child.example.org.",
    qtype: "DS",
    dnssecOk: true,
    result: "success",
    aa: true,
    answer: [DS, DS_SIG],
  },
  {
    name: "no DS at an unsigned cut: authoritative NODATA",
    qname: "unsigned.example.org.",
    qtype: "DS",
    result: "nodata",
    aa: true,
    authority: [SOA],
  },
  {
    name: "DS below a cut belongs to the child: referral",
    qname: "x.child.example.org.",
    qtype: "DS",
    ...referral,
  },
  {
    name: "with DO a referral carries the signed DS RRset (RFC 4035 §3.1.4)",
    qname: "www.child.example.org.",
    qtype: "A",
    dnssecOk: true,
    result: "delegation",
    aa: false,
    authority: [...CHILD_NS, DS, DS_SIG],
    additional: GLUE,
  },
  {
    name: "a referral to an unsigned child in an unsigned zone has no proof to add",
    qname: "www.unsigned.example.org.",
    qtype: "A",
    dnssecOk: true,
    result: "delegation",
    aa: false,
    authority: ["unsigned.example.org. 3600 IN NS ns.unsigned.example.org."],
    additional: ["ns.unsigned.example.org. 3600 IN A 192.0.2.54"],
  },
  {
    name: "apex NS answers add glue from below a cut",
    qname: "example.org.",
    qtype: "NS",
    result: "success",
    aa: true,
    answer: ["example.org. 3600 IN NS ns1.example.org.", "example.org. 3600 IN NS ns1.child.example.org."],
    additional: ["ns1.example.org. 3600 IN A 192.0.2.1", ...GLUE],
  },
  {
    name: "MX targets below a cut are not added (not authoritative data)",
    qname: "example.org.",
    qtype: "MX",
    result: "success",
    aa: true,
    answer: ["example.org. 3600 IN MX 10 mail.child.example.org."],
  },
];

describe("answer engine: delegations", () => {
  const zone = compileZone("example.org.", parseZoneText(ZONE));

  test.each(cases)("$name", (c) => expectLookup(zone, c));
});
