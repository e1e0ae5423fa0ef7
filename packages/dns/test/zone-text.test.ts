// Tests of the canonical zone string: deterministic rendering, strict parsing with line numbers, SOA serial.

import type { ZoneRecord } from "../src";
import { parseZoneText, renderZoneText, soaSerialOf, ZoneTextError } from "../src";

const SIG = "7P6pCtq9OpF8XE1VYsdl6/gAszHO5yz+/mu/B6TeVPO6EJ4UpRycTkHSMzh60ofBuPkHKj/rnmoIIShosbu48A==";

const RECORDS: ZoneRecord[] = [
  { name: "example.org.", type: "SOA", ttl: 3600, rdata: "ns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600" },
  { name: "example.org.", type: "NS", ttl: 3600, rdata: "ns2.example.org." },
  { name: "example.org.", type: "NS", ttl: 3600, rdata: "ns1.example.org." },
  { name: "example.org.", type: "A", ttl: 300, rdata: "192.0.2.10" },
  { name: "example.org.", type: "MX", ttl: 3600, rdata: "10 mail.example.org." },
  { name: "example.org.", type: "TXT", ttl: 3600, rdata: '"v=spf1 mx -all" "semi;colon and \\"quotes\\""' },
  { name: "example.org.", type: "RRSIG", ttl: 3600, rdata: `SOA 13 2 3600 20261203000000 20261112000000 43327 example.org. ${SIG}` },
  { name: "example.org.", type: "NSEC3PARAM", ttl: 0, rdata: "1 0 0 -" },
  { name: "example.org.", type: "CAA", ttl: 3600, rdata: '0 issue "letsencrypt.org"' },
  { name: "www.example.org.", type: "CNAME", ttl: 3600, rdata: "example.org." },
  { name: "ns1.example.org.", type: "A", ttl: 3600, rdata: "192.0.2.1" },
  { name: "ns1.example.org.", type: "AAAA", ttl: 3600, rdata: "2001:db8::1" },
  { name: "ns2.example.org.", type: "A", ttl: 3600, rdata: "192.0.2.2" },
  { name: "ns2.example.org.", type: "A", ttl: 3600, rdata: "192.0.2.11" },
  { name: "ns2.example.org.", type: "A", ttl: 3600, rdata: "10.0.0.1" },
  { name: "*.wild.example.org.", type: "A", ttl: 60, rdata: "192.0.2.3" },
  { name: "a.wild.example.org.", type: "TYPE65534", ttl: 60, rdata: "\\# 3 010203" },
  { name: "sub.example.org.", type: "NS", ttl: 3600, rdata: "ns.sub.example.org." },
  { name: "sub.example.org.", type: "DS", ttl: 3600, rdata: "12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF" },
  { name: "ns.sub.example.org.", type: "A", ttl: 3600, rdata: "192.0.2.9" },
];

const EXPECTED = `example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112201 10800 3600 604800 3600
example.org. 300 IN A 192.0.2.10
example.org. 3600 IN NS ns1.example.org.
example.org. 3600 IN NS ns2.example.org.
example.org. 3600 IN MX 10 mail.example.org.
example.org. 3600 IN TXT "v=spf1 mx -all" "semi;colon and \\"quotes\\""
example.org. 3600 IN RRSIG SOA 13 2 3600 20261203000000 20261112000000 43327 example.org. ${SIG}
example.org. 0 IN NSEC3PARAM 1 0 0 -
example.org. 3600 IN CAA 0 issue "letsencrypt.org"
ns1.example.org. 3600 IN A 192.0.2.1
ns1.example.org. 3600 IN AAAA 2001:db8::1
ns2.example.org. 3600 IN A 10.0.0.1
ns2.example.org. 3600 IN A 192.0.2.2
ns2.example.org. 3600 IN A 192.0.2.11
sub.example.org. 3600 IN NS ns.sub.example.org.
sub.example.org. 3600 IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
ns.sub.example.org. 3600 IN A 192.0.2.9
wild.example.org. 3600 IN TYPE65534 \\# 3 010203
*.wild.example.org. 60 IN A 192.0.2.3
a.wild.example.org. 60 IN TYPE65534 \\# 3 010203
www.example.org. 3600 IN CNAME example.org.
`;

/** Deterministic pseudo-random permutation. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("renderZoneText", () => {
  // An empty non-terminal "wild" gets a record only to show it sorts before its children.
  const records = [...RECORDS, { name: "wild.example.org.", type: "TYPE65534", ttl: 3600, rdata: "\\# 3 010203" }];

  it("renders in canonical order: names, SOA first, type number, RDATA octets", () => {
    expect(renderZoneText(records)).toBe(EXPECTED);
  });

  it("gives the same string for any input order", () => {
    for (let seed = 1; seed <= 25; seed++) expect(renderZoneText(shuffle(records, seed))).toBe(EXPECTED);
  });

  it("normalizes names, types and RDATA, and removes duplicates keeping the lowest TTL", () => {
    const text = renderZoneText([
      { name: "WWW.Example.ORG", type: "aaaa", ttl: 60, rdata: "2001:DB8:0:0::1" },
      { name: "www.example.org.", type: "AAAA", ttl: 30, rdata: "2001:db8::1" },
      { name: "www.example.org.", type: "TYPE28", ttl: 90, rdata: "\\# 16 20010db8000000000000000000000001" },
      { name: "www.example.org.", type: "TXT", ttl: 60, rdata: "plain" },
    ]);
    expect(text).toBe('www.example.org. 60 IN TXT "plain"\nwww.example.org. 30 IN AAAA 2001:db8::1\n');
  });

  it("orders RDATA by wire octets, not by text", () => {
    const text = renderZoneText([
      { name: "x.", type: "MX", ttl: 1, rdata: "20 a.example." },
      { name: "x.", type: "MX", ttl: 1, rdata: "3 z.example." },
      { name: "x.", type: "TXT", ttl: 1, rdata: '"bb"' },
      { name: "x.", type: "TXT", ttl: 1, rdata: '"a" "c"' },
    ]);
    expect(text).toBe('x. 1 IN MX 3 z.example.\nx. 1 IN MX 20 a.example.\nx. 1 IN TXT "a" "c"\nx. 1 IN TXT "bb"\n');
  });

  it("renders an empty record set as an empty string", () => {
    expect(renderZoneText([])).toBe("");
  });

  it.each([
    [{ name: "a..b.", type: "A", ttl: 1, rdata: "192.0.2.1" }, "empty label"],
    [{ name: "a.", type: "A", ttl: -1, rdata: "192.0.2.1" }, "TTL -1"],
    [{ name: "a.", type: "A", ttl: 1.5, rdata: "192.0.2.1" }, "TTL 1.5"],
    [{ name: "a.", type: "A", ttl: 2 ** 32, rdata: "192.0.2.1" }, "TTL"],
    [{ name: "a.", type: "BOGUS", ttl: 1, rdata: "x" }, "unknown record type"],
    [{ name: "a.", type: "A", ttl: 1, rdata: "not-an-ip" }, "not an IPv4"],
  ])("rejects an invalid record %j", (record, message) => {
    expect(() => renderZoneText([RECORDS[0] as ZoneRecord, record])).toThrow(ZoneTextError);
    expect(() => renderZoneText([RECORDS[0] as ZoneRecord, record])).toThrow(`record 2 (${record.name} ${record.type}): `);
    expect(() => renderZoneText([RECORDS[0] as ZoneRecord, record])).toThrow(message);
  });
});

describe("parseZoneText", () => {
  it("parses what renderZoneText renders, and renders it back identically", () => {
    const parsed = parseZoneText(EXPECTED);
    expect(parsed).toHaveLength(21);
    expect(parsed[0]).toEqual(RECORDS[0]);
    expect(renderZoneText(parsed)).toBe(EXPECTED);
    expect(renderZoneText(shuffle(parsed, 7))).toBe(EXPECTED);
  });

  it("skips blank and comment lines, tolerates CRLF, tabs and trailing comments", () => {
    const text = [
      "; a comment",
      "",
      "   ",
      "Example.ORG.\t3600\tin\tsoa ns1.example.org. h.example.org. 1 2 3 4 5",
      "  ; indented comment",
      'example.org. 60 IN TXT "a;b" "c d" ; trailing comment',
      "example.org. 60 IN A 192.0.2.1\r",
      "example.org. 60 IN TYPE65534 \\# 1 ff",
    ].join("\n");
    expect(parseZoneText(text)).toEqual([
      { name: "example.org.", type: "SOA", ttl: 3600, rdata: "ns1.example.org. h.example.org. 1 2 3 4 5" },
      { name: "example.org.", type: "TXT", ttl: 60, rdata: '"a;b" "c d"' },
      { name: "example.org.", type: "A", ttl: 60, rdata: "192.0.2.1" },
      { name: "example.org.", type: "TYPE65534", ttl: 60, rdata: "\\# 1 FF" },
    ]);
  });

  it("keeps escaped characters of owner names", () => {
    expect(parseZoneText("a\\ b\\.c.example. 1 IN A 192.0.2.1\n")).toEqual([
      { name: "a\\032b\\.c.example.", type: "A", ttl: 1, rdata: "192.0.2.1" },
    ]);
  });

  it.each([
    ["example.org. 60 IN A 192.0.2.1\nexample.org. 60 IN A 192.0.2.256\n", 2, "not an IPv4"],
    ["; c\n\nexample.org. 60 IN A\n", 3, "missing RDATA"],
    ["example.org. 60 IN\n", 1, "expected"],
    ["example.org 60 IN A 192.0.2.1\n", 1, "not absolute"],
    ["example.org. 1h IN A 192.0.2.1\n", 1, 'invalid TTL "1h"'],
    ["example.org. 4294967296 IN A 192.0.2.1\n", 1, "invalid TTL"],
    ["example.org. 60 CH A 192.0.2.1\n", 1, "class must be IN"],
    ["example.org. 60 IN BOGUS x\n", 1, "unknown record type"],
    ["x. 1 IN A 192.0.2.1\n\n\nexample.org. 60 IN TXT \"unterminated\n", 4, "unterminated"],
    [" example.org. 60 IN A 192.0.2.1\n", 1, "owner name required"],
    ["$ORIGIN example.org.\n", 1, "expected"],
    ["$TTL 3600 IN A 192.0.2.1\n", 1, "not absolute"],
    ["a..example. 60 IN A 192.0.2.1\n", 1, "empty label"],
    ["x. 60 IN NS relative\n", 1, "must be absolute"],
    ["x. 60 IN TYPE65534 \\# 2 01\n", 1, "declares 2 octets"],
  ])("rejects %j at line %d", (text, line, message) => {
    let caught: unknown;
    try {
      parseZoneText(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ZoneTextError);
    const err = caught as ZoneTextError;
    expect(err.code).toBe("PDNSD_ZONE_TEXT_INVALID");
    expect(err.name).toBe("ZoneTextError");
    expect(err.line).toBe(line);
    expect(err.message).toMatch(new RegExp(`^line ${line}: `));
    expect(err.message).toContain(message);
  });

  it("parses an empty string as no records", () => {
    expect(parseZoneText("")).toEqual([]);
  });
});

describe("soaSerialOf", () => {
  it("returns the SOA serial", () => {
    expect(soaSerialOf(RECORDS)).toBe(2026112201);
    expect(soaSerialOf(parseZoneText("x. 1 IN SOA a. b. 4294967295 1 2 3 4\n"))).toBe(4294967295);
  });

  it("throws without exactly one valid SOA", () => {
    expect(() => soaSerialOf(RECORDS.slice(1))).toThrow(ZoneTextError);
    expect(() => soaSerialOf(RECORDS.slice(1))).toThrow("no SOA");
    expect(() => soaSerialOf([RECORDS[0] as ZoneRecord, { ...(RECORDS[0] as ZoneRecord), name: "other." }])).toThrow("2 SOA");
    expect(() => soaSerialOf([{ name: "x.", type: "SOA", ttl: 1, rdata: "a. b. 1" }])).toThrow(ZoneTextError);
  });
});
