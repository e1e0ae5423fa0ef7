// Answer engine: wildcard synthesis per RFC 4592 (the §2.2.1 example zone and its queries), wildcard CNAME.

import { parseZoneText } from "@pdns-distribute/dns";
import { expectLookup } from "./lookup-case";
import type { LookupCase } from "./lookup-case";
import { compileZone } from "../src";

// RFC 4592 §2.2.1, plus a wildcard CNAME subtree and an empty non-terminal blocking a wildcard.
const ZONE = `
example. 3600 IN SOA ns.example.com. hostmaster.example. 1 7200 3600 1209600 300
example. 3600 IN NS ns.example.com.
example. 3600 IN NS ns.example.net.
*.example. 3600 IN TXT "this is a wildcard"
*.example. 3600 IN MX 10 host1.example.
sub.*.example. 3600 IN TXT "this is not a wildcard"
host1.example. 3600 IN A 192.0.2.1
_ssh._tcp.host1.example. 3600 IN SRV 0 0 22 host1.example.
_ssh._tcp.host2.example. 3600 IN SRV 0 0 22 host2.example.
subdel.example. 3600 IN NS ns.example.com.
subdel.example. 3600 IN NS ns.example.net.
*.alias.example. 300 IN CNAME host1.example.
*.far.example. 300 IN CNAME www.example.net.
`;

const SOA = "example. 300 IN SOA ns.example.com. hostmaster.example. 1 7200 3600 1209600 300";


const cases: LookupCase[] = [
  {
    name: "host3.example. MX is synthesised with the query name as owner",
    qname: "host3.example.",
    qtype: "MX",
    result: "success",
    answer: ["host3.example. 3600 IN MX 10 host1.example."],
    additional: ["host1.example. 3600 IN A 192.0.2.1"],
  },
  {
    name: "host3.example. A: the wildcard matches but has no A (NODATA)",
    qname: "host3.example.",
    qtype: "A",
    result: "nodata",
    authority: [SOA],
  },
  {
    name: "foo.bar.example. TXT: a wildcard matches several labels",
    qname: "foo.bar.example.",
    qtype: "TXT",
    result: "success",
    answer: ['foo.bar.example. 3600 IN TXT "this is a wildcard"'],
  },
  {
    name: "host1.example. MX: no wildcard at an existing name",
    qname: "host1.example.",
    qtype: "MX",
    result: "nodata",
    authority: [SOA],
  },
  {
    name: "sub.*.example. MX: the asterisk label is not a wildcard there",
    qname: "sub.*.example.",
    qtype: "MX",
    result: "nodata",
    authority: [SOA],
  },
  {
    name: "_telnet._tcp.host1.example. SRV: the empty non-terminal _tcp.host1 blocks the wildcard",
    qname: "_telnet._tcp.host1.example.",
    qtype: "SRV",
    result: "nxdomain",
    rcode: 3,
    authority: [SOA],
  },
  {
    name: "host.subdel.example. A: a referral, never a wildcard",
    qname: "host.subdel.example.",
    qtype: "A",
    result: "delegation",
    aa: false,
    authority: ["subdel.example. 3600 IN NS ns.example.com.", "subdel.example. 3600 IN NS ns.example.net."],
  },
  {
    name: "ghost.*.example. MX: *.example. exists, so it is the closest encloser and has no wildcard child",
    qname: "ghost.*.example.",
    qtype: "MX",
    result: "nxdomain",
    rcode: 3,
    authority: [SOA],
  },
  {
    name: "*.example. itself is answered as an ordinary name",
    qname: "*.example.",
    qtype: "TXT",
    result: "success",
    answer: ['*.example. 3600 IN TXT "this is a wildcard"'],
  },
  {
    name: "a wildcard CNAME is synthesised and followed in the zone",
    qname: "anything.alias.example.",
    qtype: "A",
    result: "success",
    answer: ["anything.alias.example. 300 IN CNAME host1.example.", "host1.example. 3600 IN A 192.0.2.1"],
  },
  {
    name: "a wildcard CNAME out of the zone stops after the synthesised CNAME",
    qname: "a.b.far.example.",
    qtype: "AAAA",
    result: "success",
    answer: ["a.b.far.example. 300 IN CNAME www.example.net."],
  },
  {
    name: "qtype CNAME at a wildcard CNAME",
    qname: "x.alias.example.",
    qtype: "CNAME",
    result: "success",
    answer: ["x.alias.example. 300 IN CNAME host1.example."],
  },
  {
    name: "ANY at a wildcard gives one synthesised RRset",
    qname: "any.example.",
    qtype: "ANY",
    result: "success",
    answer: ['any.example. 3600 IN TXT "this is a wildcard"'],
  },
];

describe("answer engine: wildcards (RFC 4592)", () => {
  const zone = compileZone("example.", parseZoneText(ZONE));

  test.each(cases)("$name", (c) => expectLookup(zone, c));

  test("compiled flags: wildcard parents and empty non-terminals", () => {
    expect(zone.apex.wildcard?.name.keys[0]).toBe("*.example.");
    expect(zone.nodes.get("_tcp.host1.example.")?.emptyNonTerminal).toBe(true);
    expect(zone.nodes.get("host2.example.")?.emptyNonTerminal).toBe(true);
    expect(zone.nodes.get("subdel.example.")?.delegation).toBe(true);
    expect(zone.apex.delegation).toBe(false);
  });
});
