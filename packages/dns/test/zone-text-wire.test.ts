// parseZoneTextWire: the same records and errors as parseZoneText, with wire RDATA and no presentation round trip;
// isCanonicalSubdomainOf and the plain-name fast paths agree with the general parsers.

import type { ZoneRecord } from "../src";
import {
  isCanonicalSubdomainOf,
  isSubdomainOf,
  nameToWire,
  normalizeName,
  parseZoneText,
  parseZoneTextWire,
  rdataToWire,
  renderZoneText,
  typeToNumber,
  ZoneTextError,
} from "../src";

const B64 = Buffer.alloc(64, 7).toString("base64");
const KEY = Buffer.alloc(32, 3).toString("base64");
const HEX32 = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

/** Records of (almost) every type with a presentation format, DNSSEC included, and names needing escapes. */
const VARIED: ZoneRecord[] = [
  { name: "Example.ORG.", type: "soa", ttl: 3600, rdata: "NS1.example.org. h.example.org. 2024010101 7200 3600 1209600 300" },
  { name: "example.org.", type: "NS", ttl: 3600, rdata: "ns1.example.org." },
  { name: "example.org.", type: "MX", ttl: 3600, rdata: "10 Mail.Example.org." },
  { name: "example.org.", type: "TXT", ttl: 60, rdata: '"v=spf1 -all" "semi;colon \\"q\\" \\255" plain' },
  { name: "example.org.", type: "SPF", ttl: 60, rdata: '"v=spf1 -all"' },
  { name: "example.org.", type: "DNSKEY", ttl: 3600, rdata: `257 3 13 ${KEY}` },
  { name: "example.org.", type: "CDNSKEY", ttl: 3600, rdata: `257 3 13 ${KEY}` },
  { name: "example.org.", type: "CDS", ttl: 3600, rdata: `1 13 2 ${HEX32.toLowerCase()}` },
  { name: "example.org.", type: "RRSIG", ttl: 3600, rdata: `SOA 13 2 3600 20300101000000 20200101000000 4242 example.org. ${B64}` },
  { name: "example.org.", type: "RRSIG", ttl: 3600, rdata: `TYPE65534 13 2 3600 1893456000 1577836800 4242 example.org. ${B64}` },
  { name: "example.org.", type: "NSEC", ttl: 300, rdata: "a.example.org. NS SOA MX TXT RRSIG NSEC DNSKEY TYPE65534" },
  { name: "example.org.", type: "NSEC3PARAM", ttl: 0, rdata: "1 0 10 AABBCCDD" },
  { name: "example.org.", type: "ZONEMD", ttl: 3600, rdata: `2024010101 1 1 ${HEX32}${HEX32.slice(0, 32)}` },
  { name: "example.org.", type: "CSYNC", ttl: 3600, rdata: "2024010101 3 A NS AAAA" },
  { name: "example.org.", type: "CAA", ttl: 3600, rdata: '0 issue "ca.example.net; account=1"' },
  { name: "a.example.org.", type: "A", ttl: 300, rdata: "192.0.2.1" },
  { name: "a.example.org.", type: "A", ttl: 300, rdata: "\\# 4 c0000202" },
  { name: "a.example.org.", type: "AAAA", ttl: 300, rdata: "2001:DB8:0:0:0:0:0:1" },
  { name: "a.example.org.", type: "AAAA", ttl: 300, rdata: "::ffff:192.0.2.1" },
  { name: "a.example.org.", type: "HINFO", ttl: 300, rdata: '"cpu" "os x"' },
  { name: "a.example.org.", type: "OPENPGPKEY", ttl: 300, rdata: KEY },
  { name: "a.example.org.", type: "URI", ttl: 300, rdata: '10 1 "https://example.org/"' },
  { name: "a.example.org.", type: "TYPE65534", ttl: 300, rdata: "\\# 3 0a0b0c" },
  { name: "a.example.org.", type: "TYPE1234", ttl: 300, rdata: "\\# 0" },
  { name: "_443._tcp.a.example.org.", type: "TLSA", ttl: 300, rdata: `3 1 1 ${HEX32}` },
  { name: "_sip._udp.example.org.", type: "SRV", ttl: 300, rdata: "0 5 5060 sip.example.org." },
  { name: "sip.example.org.", type: "NAPTR", ttl: 300, rdata: '100 10 "S" "SIP+D2U" "" _sip._udp.example.org.' },
  { name: "ssh.example.org.", type: "SSHFP", ttl: 300, rdata: "4 2 " + HEX32 },
  { name: "alias.example.org.", type: "CNAME", ttl: 300, rdata: "a.example.org." },
  { name: "dn.example.org.", type: "DNAME", ttl: 300, rdata: "example.net." },
  { name: "1.2.0.192.example.org.", type: "PTR", ttl: 300, rdata: "a.example.org." },
  { name: "rp.example.org.", type: "RP", ttl: 300, rdata: "h.example.org. txt.example.org." },
  { name: "afs.example.org.", type: "AFSDB", ttl: 300, rdata: "1 afs.example.org." },
  { name: "sub.example.org.", type: "NS", ttl: 3600, rdata: "ns.sub.example.org." },
  { name: "sub.example.org.", type: "DS", ttl: 3600, rdata: `12345 13 2 ${HEX32}` },
  { name: "*.wild.example.org.", type: "A", ttl: 60, rdata: "192.0.2.3" },
  { name: "we\\ ird\\.dot\\\\slash.example.org.", type: "TXT", ttl: 60, rdata: '"escaped owner"' },
  { name: "\\200\\001.example.org.", type: "A", ttl: 60, rdata: "192.0.2.4" },
  { name: "UPPER.Case.example.org.", type: "a", ttl: 60, rdata: "192.0.2.5" },
  { name: "x@y$z.example.org.", type: "A", ttl: 60, rdata: "192.0.2.6" },
  { name: `${"l".repeat(63)}.example.org.`, type: "A", ttl: 60, rdata: "192.0.2.7" },
  { name: "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.org.", type: "NSEC3", ttl: 300, rdata: "1 1 10 AABBCCDD 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG" },
  { name: "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.org.", type: "RRSIG", ttl: 300, rdata: `NSEC3 13 3 300 20300101000000 20200101000000 4242 example.org. ${B64}` },
];

/** Zone text lines of `records` as written (not canonicalized). */
const asWritten = (records: readonly ZoneRecord[]): string => records.map((r) => `${r.name} ${r.ttl} IN ${r.type} ${r.rdata}`).join("\n");

/** The canonical text of parseZoneTextWire's records without their wire fields (RDATA text as given). */
function renderedWithoutWire(text: string): string {
  return renderZoneText(parseZoneTextWire(text).map(({ name, type, ttl, rdata }) => ({ name, type, ttl, rdata })));
}

describe("parseZoneTextWire", () => {
  it.each([
    ["canonical text", renderZoneText(VARIED)],
    ["text as written (upper case, non-canonical RDATA, escapes)", asWritten(VARIED)],
  ])("gives parseZoneText's records with their wire RDATA: %s", (_what, text) => {
    const wire = parseZoneTextWire(text);
    const plain = parseZoneText(text);
    expect(wire).toHaveLength(plain.length);
    wire.forEach((r, i) => {
      const p = plain[i] as ZoneRecord;
      expect({ name: r.name, type: r.type, ttl: r.ttl }).toEqual({ name: p.name, type: p.type, ttl: p.ttl });
      expect(r.typeNumber).toBe(typeToNumber(p.type));
      expect(r.wire.equals(rdataToWire(p.type, p.rdata))).toBe(true);
    });
    expect(renderedWithoutWire(text)).toBe(renderZoneText(plain));
  });

  it("returns canonical text's RDATA unchanged and as given otherwise (no presentation round trip)", () => {
    const canonical = renderZoneText(VARIED);
    expect(parseZoneTextWire(canonical).map((r) => r.rdata)).toEqual(parseZoneText(canonical).map((r) => r.rdata));
    const [generic] = parseZoneTextWire("a.example. 60 IN A \\# 4 c0000202 ; comment\n");
    expect(generic).toMatchObject({ name: "a.example.", type: "A", rdata: "\\# 4 c0000202", typeNumber: 1 });
    expect(generic?.wire).toEqual(Buffer.from([192, 0, 2, 2]));
  });

  it("skips blank and comment lines, tolerates CRLF, tabs and a missing final newline", () => {
    const text = "; c\r\n\r\n \t \nExample.ORG.\t60\tin\ta 192.0.2.1\r\n  ; indented\n\u00a0\nexample.org. 60 IN TXT \"a;b\" ; c";
    expect(parseZoneTextWire(text).map(({ name, type, rdata }) => [name, type, rdata])).toEqual([
      ["example.org.", "A", "192.0.2.1"],
      ["example.org.", "TXT", '"a;b"'],
    ]);
  });

  it.each([
    "example.org. 60 IN A 192.0.2.1\nexample.org. 60 IN A 192.0.2.256\n",
    "; c\n\nexample.org. 60 IN A\n",
    "example.org. 60 IN\n",
    "example.org 60 IN A 192.0.2.1\n",
    "example.org. 1h IN A 192.0.2.1\n",
    "example.org. 4294967296 IN A 192.0.2.1\n",
    "example.org. 60 CH A 192.0.2.1\n",
    "example.org. 60 IN BOGUS x\n",
    'x. 1 IN A 192.0.2.1\n\n\nexample.org. 60 IN TXT "unterminated\n',
    " example.org. 60 IN A 192.0.2.1\n",
    "a..example. 60 IN A 192.0.2.1\n",
    `${"l".repeat(64)}.example. 60 IN A 192.0.2.1\n`,
    "x. 60 IN NS relative\n",
    "x. 60 IN NS a..b.\n",
    "x. 60 IN TYPE65534 \\# 2 01\n",
    "x. 60 IN A 1.2.3.4.\n",
    "x. 60 IN A 1.2.3\n",
    "x. 60 IN A 1.2.3.0400\n",
  ])("refuses %j exactly as parseZoneText does", (text) => {
    const errorOf = (parse: (t: string) => unknown): ZoneTextError => {
      try {
        parse(text);
      } catch (err) {
        return err as ZoneTextError;
      }
      throw new Error("no error");
    };
    const wire = errorOf(parseZoneTextWire);
    const plain = errorOf(parseZoneText);
    expect(wire).toBeInstanceOf(ZoneTextError);
    expect(wire.code).toBe("PDNSD_ZONE_TEXT_INVALID");
    expect({ line: wire.line, message: wire.message }).toEqual({ line: plain.line, message: plain.message });
  });
});

describe("isCanonicalSubdomainOf", () => {
  const names = [".", "org.", "example.org.", "www.example.org.", "xexample.org.", "a\\.example.org.", "a\\\\.example.org.",
    "a\\\\\\.example.org.", "\\200.example.org.", "example.org\\.", "b.a\\.example.org.", "*.example.org.", "example.net."];
  it.each(names)("agrees with isSubdomainOf for %j against every other name", (name) => {
    for (const zone of names) {
      expect([zone, isCanonicalSubdomainOf(normalizeName(name), normalizeName(zone))]).toEqual([zone, isSubdomainOf(name, zone)]);
    }
  });
});

describe("nameToWire fast path", () => {
  it.each([
    ["a.", "0161 00"],
    ["www.Example.org.", "03777777 074578616d706c65 036f7267 00"],
  ])("encodes %j", (name, hex) => {
    expect(nameToWire(name).toString("hex")).toBe(hex.replace(/ /g, ""));
  });
  it("accepts names up to 255 octets and labels up to 63, and refuses longer ones like the general parser", () => {
    const l63 = "a".repeat(63);
    const max = `${l63}.${l63}.${l63}.${"b".repeat(61)}.`; // 254 characters, 255 octets
    expect(nameToWire(max)).toHaveLength(255);
    expect(() => nameToWire(`c.${max}`)).toThrow("max 255");
    expect(() => nameToWire(`${l63}a.`)).toThrow("longer than 63");
    expect(() => nameToWire("a..b.")).toThrow("empty label");
    expect(() => nameToWire("a.b")).toThrow("must be absolute");
    expect(nameToWire("é.")).toEqual(Buffer.from([2, 0xc3, 0xa9, 0]));
    expect(nameToWire(".")).toEqual(Buffer.from([0]));
  });
});
