// compileZone over records carrying their wire RDATA (parseZoneTextWire) builds the same index as over presentation
// records (parseZoneText): same names, RRsets, arena, flags and denial chains, on zones with DNSSEC types.

import { parseZoneText, parseZoneTextWire } from "@pdns-distribute/dns";
import { compileZone } from "../src";
import type { CompiledZone } from "../src";
import { CORPUS_ZONES } from "../../../test/answer-conformance-corpus";

const SIG = `20300101000000 20200101000000 4242 example.org. ${Buffer.alloc(64, 9).toString("base64")}`;

/** A signed-looking zone with NSEC and NSEC3 records, RRSIGs over both, a delegation with DS and a wildcard. */
const DNSSEC = `
example.org. 3600 IN SOA ns1.example.org. h.example.org. 7 7200 3600 1209600 300
example.org. 3600 IN RRSIG SOA 13 2 3600 ${SIG}
example.org. 3600 IN NS ns1.example.org.
example.org. 3600 IN DNSKEY 257 3 13 ${Buffer.alloc(64, 1).toString("base64")}
example.org. 3600 IN NSEC3PARAM 1 0 0 -
example.org. 300 IN NSEC a.example.org. NS SOA RRSIG NSEC DNSKEY NSEC3PARAM
example.org. 300 IN RRSIG NSEC 13 2 300 ${SIG}
a.example.org. 300 IN A 192.0.2.1
a.example.org. 300 IN A \\# 4 c0000202
a.example.org. 300 IN A 192.0.2.1
a.example.org. 300 IN AAAA 2001:db8::1
a.example.org. 300 IN RRSIG A 13 3 300 ${SIG}
a.example.org. 300 IN NSEC Sub.example.org. A AAAA RRSIG NSEC
*.w.example.org. 300 IN TXT "wild" "two"
Sub.Example.org. 3600 IN NS ns.sub.example.org.
sub.example.org. 3600 IN DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ns.sub.example.org. 3600 IN A 192.0.2.53
mx.example.org. 300 IN MX 10 a.example.org.
_sip._tcp.example.org. 300 IN SRV 0 5 5060 a.example.org.
dn.example.org. 300 IN DNAME example.net.
c.example.org. 300 IN CNAME a.example.org.
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.org. 300 IN NSEC3 1 0 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.org. 300 IN RRSIG NSEC3 13 3 300 ${SIG}
x.example.org. 60 IN TYPE65534 \\# 3 010203
outside.example.net. 60 IN A 192.0.2.99
`;

/** The parts of a compiled zone that queries read. */
function indexOf(zone: CompiledZone): Record<string, unknown> {
  const { names } = zone;
  return {
    names: [names.count, names.parent, names.flags, names.labelOff, names.labels],
    rrsets: [zone.rrStart, zone.rrKey, zone.rrTtl, zone.rrData, zone.rrCount, zone.arena],
    soa: [zone.soa, zone.serial, zone.negativeTtl, zone.recordCount],
    denial: zone.denial,
  };
}

describe("compileZone with wire RDATA", () => {
  it.each([
    ["example.org.", DNSSEC],
    ...CORPUS_ZONES.map((z) => [z.origin, z.text] as [string, string]),
  ])("compiles %s exactly as from presentation records", (origin, text) => {
    const fromWire = compileZone(origin, parseZoneTextWire(text));
    const fromText = compileZone(origin, parseZoneText(text));
    expect(indexOf(fromWire)).toEqual(indexOf(fromText));
    expect(fromWire.recordCount).toBeGreaterThan(3);
  });

  it("mixes records with and without wire RDATA", () => {
    const wire = parseZoneTextWire(DNSSEC);
    const mixed = wire.map((r, i) => (i % 2 === 0 ? r : { name: r.name, type: r.type, ttl: r.ttl, rdata: r.rdata }));
    expect(indexOf(compileZone("example.org.", mixed))).toEqual(indexOf(compileZone("example.org.", parseZoneText(DNSSEC))));
  });
});
