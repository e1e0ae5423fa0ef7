// Tests of the RDATA codecs: exact round trips per type, canonicalization, generic form, errors.

import * as dnsPacket from "dns-packet";
import { canonicalType, hasTypedPresentation, nameToWire, numberToType, RdataError, rdataFromWire, rdataToWire, typeToNumber } from "../src";
import { formatBase32Hex, parseBase32Hex } from "../src/presentation";

const KEY = "tTOupebpwWr1i7Qy4bSqyH4DHLRnl2Lq1dOQ/zpQtRZoLEXwqxunqG2V7EsIQUKPSJi6x+GkER3TBeSM/SxW3w==";
const SIG = "7P6pCtq9OpF8XE1VYsdl6/gAszHO5yz+/mu/B6TeVPO6EJ4UpRycTkHSMzh60ofBuPkHKj/rnmoIIShosbu48A==";
const HEX32 = "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";

/** [type, canonical presentation, expected wire hex (optional)] — presentation as dig/BIND print it. */
const CANONICAL: Array<[string, string, string?]> = [
  ["A", "192.0.2.1", "c0000201"],
  ["A", "0.0.0.0", "00000000"],
  ["AAAA", "2001:db8::1", "20010db8000000000000000000000001"],
  ["AAAA", "::", "00000000000000000000000000000000"],
  ["AAAA", "::1", "00000000000000000000000000000001"],
  ["AAAA", "::ffff:192.0.2.5", "00000000000000000000ffffc0000205"],
  ["AAAA", "2001:db8:0:1:1:1:1:1", "20010db8000000010001000100010001"],
  ["AAAA", "2001:db8::1:0:0:1", "20010db8000000000001000000000001"],
  ["AAAA", "fe80::", "fe800000000000000000000000000000"],
  ["NS", "ns1.example.org.", "036e7331076578616d706c65036f726700"],
  ["NS", "Ns1.Example.ORG.", "034e7331074578616d706c65034f524700"],
  ["CNAME", "example.org."],
  ["CNAME", "."],
  ["DNAME", "other.example."],
  ["PTR", "host.example.org."],
  ["PTR", "a\\.b\\032c\\200.example."],
  ["MX", "10 mail.example.org.", "000a046d61696c076578616d706c65036f726700"],
  ["MX", "0 ."],
  ["TXT", '"a b" "c"', "036120620163"],
  ["TXT", '""', "00"],
  ["TXT", '"v=spf1 -all" "second \\"q\\" \\\\ back" "semi;colon"'],
  ["TXT", '"caf\\195\\169" "tab\\009"'],
  ["TXT", `"${"x".repeat(255)}" "y"`],
  ["SPF", '"v=spf1 -all"'],
  ["SRV", "10 60 5060 sip.example.org.", "000a003c13c403736970076578616d706c65036f726700"],
  ["SOA", "ns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600"],
  ["SOA", "ns1.example.org. host\\.master.example.org. 4294967295 0 0 0 0"],
  ["CAA", '0 issue "letsencrypt.org"', "000569737375656c657473656e63727970742e6f7267"],
  ["CAA", '128 tbs "x"'],
  ["CAA", '0 iodef "mailto:security@example.org"'],
  ["CAA", '0 issue ""'],
  ["HINFO", '"PC Intel" "Linux"'],
  ["NAPTR", '100 10 "S" "SIP+D2U" "" _sip._udp.example.org.'],
  ["NAPTR", '100 50 "a" "z3950+N2L+N2C" "!^urn:cid:.+@([^\\\\.]+\\\\.)(.*)$!\\\\2!i" .'],
  ["RP", "admin.example.org. rp.example.org."],
  ["AFSDB", "1 afs.example.org."],
  ["URI", '10 1 "ftp://ftp1.example.com/public"'],
  ["DS", `12345 13 2 ${HEX32}`],
  ["CDS", "0 0 0 00"],
  ["DNSKEY", `257 3 13 ${KEY}`],
  ["CDNSKEY", "0 3 0 AA=="],
  ["RRSIG", `NSEC3PARAM 13 2 3600 20261203000000 20261112000000 43327 example.org. ${SIG}`],
  ["RRSIG", `A 13 3 3600 20261201000000 20261110000000 12345 example.org. ${SIG}`],
  ["RRSIG", `TYPE65534 8 0 0 19700101000000 21060207062815 0 . AA==`],
  ["NSEC", "host.example.org. A MX RRSIG NSEC TYPE1234"],
  ["NSEC", "example.org. NS SOA MX TXT RRSIG NSEC DNSKEY NSEC3PARAM SPF CAA"],
  ["NSEC", "next.example.org."],
  ["NSEC3", "1 0 1 AB 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0 AFSDB RRSIG"],
  ["NSEC3", "1 1 0 - 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0"],
  ["NSEC3", "1 0 10 AABBCCDD 1MHIGMULHH9FFHU8R3G9SDF2Q2E4E9NH NS SOA MX TXT RRSIG DNSKEY NSEC3PARAM SPF CAA"],
  ["NSEC3PARAM", "1 0 0 -", "0100000000"],
  ["NSEC3PARAM", "1 0 1 AB", "01000001 01ab".replace(" ", "")],
  ["TLSA", `3 1 1 ${HEX32}`],
  ["SMIMEA", "3 0 0 0102"],
  ["SSHFP", "1 1 0123456789ABCDEF0123456789ABCDEF01234567"],
  ["SSHFP", `4 2 ${HEX32}`],
  ["ZONEMD", `2026112201 1 1 ${HEX32}`],
  ["CSYNC", "66 3 A NS AAAA"],
  ["OPENPGPKEY", KEY],
  ["TYPE65534", "\\# 3 010203", "010203"],
  ["TYPE65534", "\\# 0", ""],
  ["NULL", "\\# 2 0000"],
  ["HTTPS", "\\# 3 000100"],
  ["LOC", "\\# 4 00000000"],
];

describe("rdata round trips", () => {
  // Rows always have 3 cells: with 2, jest would pass its `done` callback as the third argument.
  it.each(CANONICAL.map(([t, x, h]) => [t, x, h ?? null] as const))("%s %s", (type, text, hex) => {
    const wire = rdataToWire(type, text);
    if (hex !== null) expect(wire.toString("hex")).toBe(hex);
    expect(rdataFromWire(type, wire)).toBe(text);
    expect(rdataFromWire(typeToNumber(type), wire)).toBe(text);
    expect(rdataToWire(type, rdataFromWire(type, wire)).equals(wire)).toBe(true);
  });

  it("accepts the generic form for any type and prints the type's own form", () => {
    for (const [type, text] of CANONICAL) {
      const wire = rdataToWire(type, text);
      const generic = wire.length === 0 ? "\\# 0" : `\\# ${wire.length} ${wire.toString("hex")}`;
      expect(rdataToWire(type, generic).equals(wire)).toBe(true);
      expect(rdataFromWire(type, rdataToWire(type, generic))).toBe(text);
    }
  });
});

describe("rdata canonicalization", () => {
  it.each([
    ["AAAA", "2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["AAAA", "0:0:0:0:0:ffff:c000:205", "::ffff:192.0.2.5"],
    ["AAAA", "2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["TXT", "unquoted", '"unquoted"'],
    ["TXT", '"\\065\\"\\z"', '"A\\"z"'],
    ["TXT", '"é"', '"\\195\\169"'],
    ["TXT", '  "a"   "b"  ', '"a" "b"'],
    ["DS", "12345 13 2 0123456789abcdef 0123456789ABCDEF", "12345 13 2 0123456789ABCDEF0123456789ABCDEF"],
    ["DNSKEY", `257 3 13 ${KEY.slice(0, 40)} ${KEY.slice(40)}`, `257 3 13 ${KEY}`],
    ["RRSIG", `a 13 3 3600 1796083200 1794268800 12345 example.org. ${SIG}`, `A 13 3 3600 20261201000000 20261110000000 12345 example.org. ${SIG}`],
    ["NSEC", "x.example. rrsig a TYPE1 nsec a", "x.example. A RRSIG NSEC"],
    ["NSEC3", "1 0 1 ab 42fqdj5ajr6k15ps7ldeh0ijnkqqema0 rrsig afsdb", "1 0 1 AB 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0 AFSDB RRSIG"],
    ["CAA", "0 issue letsencrypt.org", '0 issue "letsencrypt.org"'],
    ["MX", "010 mail.example.", "10 mail.example."],
    ["PTR", "a\\066c.example.", "aBc.example."],
    ["A", "\\# 4 C0000201", "192.0.2.1"],
    ["TYPE1", "192.0.2.1", "192.0.2.1"],
  ])("%s %j → %j", (type, input, canonical) => {
    expect(rdataFromWire(type, rdataToWire(type, input))).toBe(canonical);
  });
});

describe("wire that the type's format cannot represent exactly falls back to the generic form", () => {
  it.each([
    ["A", "010203", "\\# 3 010203"],
    ["A", "0102030405", "\\# 5 0102030405"],
    ["TXT", "", "\\# 0"],
    ["TXT", "0561", "\\# 2 0561"],
    ["NS", "c00c", "\\# 2 C00C"],
    ["DNSKEY", "0101030d", "\\# 4 0101030D"],
    ["NSEC", "00000100", "\\# 4 00000100"], // window with a trailing zero octet
    ["NSEC", "000001400100", "\\# 6 000001400100"], // windows out of order
    ["CAA", "0001", "\\# 2 0001"], // empty tag
    ["MX", "000a", "\\# 2 000A"],
  ])("%s %s", (type, hex, text) => {
    const wire = Buffer.from(hex, "hex");
    expect(rdataFromWire(type, wire)).toBe(text);
    expect(rdataToWire(type, text).equals(wire)).toBe(true);
  });
});

describe("rdata errors", () => {
  it.each([
    ["A", "192.0.2", "not an IPv4"],
    ["A", "192.0.2.256", "not an IPv4"],
    ["A", "192.0.2.1 extra", "unexpected extra field"],
    ["A", "", "missing"],
    ["AAAA", "2001:db8::1::2", "not an IPv6"],
    ["AAAA", "1:2:3:4:5:6:7:8:9", "not an IPv6"],
    ["AAAA", "fe80::1%eth0", "not an IPv6"],
    ["NS", "relative.name", "must be absolute"],
    ["NS", "a..b.", "empty label"],
    ["MX", "mail.example.", "not an unsigned integer"],
    ["MX", "65536 mail.example.", "out of range"],
    ["TXT", "", "at least one"],
    ["TXT", '"unterminated', "unterminated"],
    ["TXT", `"${"x".repeat(256)}"`, "exceeds 255"],
    ["TXT", 'a"b"', "unexpected quote"],
    ["SOA", "ns1.example. host.example. 1 2 3 4", "missing minimum"],
    ["CAA", '0 "issue" "x"', "must not be quoted"],
    ["CAA", '0 is-sue "x"', "alphanumeric"],
    ["DS", "12345 13 2 ABC", "even number of hex"],
    ["DS", "12345 13 2", "missing digest"],
    ["DNSKEY", "257 3 13 not*base64", "not valid base64"],
    ["RRSIG", `A 13 3 3600 20261301000000 20261110000000 12345 example.org. ${SIG}`, "not a valid time"],
    ["RRSIG", `FOO 13 3 3600 20261201000000 20261110000000 12345 example.org. ${SIG}`, "unknown record type"],
    ["NSEC", "next.example. A BOGUS", "unknown record type"],
    ["NSEC3", "1 0 1 AB 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0W", "not valid base32hex"],
    ["NSEC3", "1 0 1 XY 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0", "salt"],
    ["NSEC3PARAM", "1 0 0 - extra", "unexpected extra field"],
    ["TYPE65534", "\\# 3 0102", "declares 3 octets but holds 2"],
    ["TYPE65534", "\\# x", "not an unsigned integer"],
    ["TYPE65534", "010203", "has no presentation format"],
    ["HTTPS", "1 . alpn=h2", "has no presentation format"],
    ["BOGUS", "x", "unknown record type"],
  ])("%s %j", (type, input, message) => {
    let caught: unknown;
    try {
      rdataToWire(type, input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RdataError);
    expect((caught as RdataError).code).toBe("PDNSD_RDATA_INVALID");
    expect((caught as RdataError).name).toBe("RdataError");
    expect((caught as RdataError).message).toContain(message);
  });
});

describe("record types", () => {
  it.each([
    ["A", 1],
    ["aaaa", 28],
    ["NSEC3PARAM", 51],
    ["CAA", 257],
    ["TYPE65534", 65534],
    ["type1", 1],
    ["TYPE0", 0],
  ])("typeToNumber(%s) = %d", (type, n) => {
    expect(typeToNumber(type)).toBe(n);
  });

  it.each([
    [1, "A"],
    [46, "RRSIG"],
    [51, "NSEC3PARAM"],
    [65534, "TYPE65534"],
    [65535, "TYPE65535"],
  ])("numberToType(%d) = %s", (n, type) => {
    expect(numberToType(n)).toBe(type);
  });

  it.each(["", "TYPE65536", "TYPE", "UNKNOWN_5", "A B"])("rejects type %j", (type) => {
    expect(() => typeToNumber(type)).toThrow(RdataError);
  });

  it("rejects out-of-range type numbers", () => {
    expect(() => numberToType(65536)).toThrow(RdataError);
    expect(() => numberToType(-1)).toThrow(RdataError);
  });

  it("spells types canonically", () => {
    expect(canonicalType("aaaa")).toBe("AAAA");
    expect(canonicalType("TYPE1")).toBe("A");
    expect(canonicalType("type65534")).toBe("TYPE65534");
  });

  it("reports which types have a dedicated presentation format", () => {
    expect(hasTypedPresentation("NSEC3PARAM")).toBe(true);
    expect(hasTypedPresentation(1)).toBe(true);
    expect(hasTypedPresentation("HTTPS")).toBe(false);
    expect(hasTypedPresentation("TYPE65534")).toBe(false);
  });
});

describe("cross-check with dns-packet's codecs", () => {
  const decode = (type: string, wire: Buffer): unknown => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(wire.length);
    return (dnsPacket as unknown as { record(t: string): { decode(b: Buffer): unknown } }).record(type).decode(Buffer.concat([len, wire]));
  };

  it("encodes SOA, RRSIG, NSEC3 and CAA as dns-packet decodes them", () => {
    expect(decode("SOA", rdataToWire("SOA", "ns1.example.org. hostmaster.example.org. 7 1 2 3 4"))).toEqual({
      mname: "ns1.example.org",
      rname: "hostmaster.example.org",
      serial: 7,
      refresh: 1,
      retry: 2,
      expire: 3,
      minimum: 4,
    });
    expect(decode("RRSIG", rdataToWire("RRSIG", `MX 13 2 300 20261201000000 20261110000000 4242 example.org. ${SIG}`))).toEqual({
      typeCovered: "MX",
      algorithm: 13,
      labels: 2,
      originalTTL: 300,
      expiration: Date.UTC(2026, 11, 1) / 1000,
      inception: Date.UTC(2026, 10, 10) / 1000,
      keyTag: 4242,
      signersName: "example.org",
      signature: Buffer.from(SIG, "base64"),
    });
    expect(decode("NSEC3", rdataToWire("NSEC3", "1 1 12 AABB 42FQDJ5AJR6K15PS7LDEH0IJNKQQEMA0 A NS TYPE1234"))).toMatchObject({
      algorithm: 1,
      flags: 1,
      iterations: 12,
      salt: Buffer.from("aabb", "hex"),
      rrtypes: ["A", "NS", "UNKNOWN_1234"],
    });
    expect(decode("CAA", rdataToWire("CAA", '128 issue "ca.example"'))).toMatchObject({ flags: 128, tag: "issue", value: "ca.example" });
  });
});

describe("base32hex", () => {
  it("round-trips every length from 0 to 40 octets", () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff));
      const text = formatBase32Hex(bytes);
      expect(text).toMatch(/^[0-9A-V]*$/);
      expect(parseBase32Hex(text, "x").equals(bytes)).toBe(true);
      expect(parseBase32Hex(text.toLowerCase(), "x").equals(bytes)).toBe(true);
    }
  });

  it("matches the RFC 4648 test vectors (without padding)", () => {
    const vectors: Array<[string, string]> = [["f", "CO"], ["fo", "CPNG"], ["foo", "CPNMU"], ["foob", "CPNMUOG"], ["fooba", "CPNMUOJ1"], ["foobar", "CPNMUOJ1E8"]];
    for (const [plain, encoded] of vectors) expect(formatBase32Hex(Buffer.from(plain))).toBe(encoded);
  });

  it("rejects non-zero trailing bits and impossible lengths", () => {
    expect(() => parseBase32Hex("CP", "x")).toThrow(RdataError);
    expect(() => parseBase32Hex("C", "x")).toThrow(RdataError);
    expect(() => parseBase32Hex("CPN", "x")).toThrow(RdataError);
  });
});

describe("nameToWire", () => {
  it("writes absolute names uncompressed, case and escapes kept", () => {
    expect(nameToWire(".").toString("hex")).toBe("00");
    expect(nameToWire("Ab.example.").toString("hex")).toBe("024162076578616d706c6500");
    expect(nameToWire("a\\.b\\000.").toString("hex")).toBe("04612e620000");
  });

  it("rejects relative and invalid names", () => {
    expect(() => nameToWire("example")).toThrow("must be absolute");
    expect(() => nameToWire("a..")).toThrow(RdataError);
  });
});
