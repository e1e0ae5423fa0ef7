// The wire-form message reader used for zone transfers: name decompression (owners and RDATA), strictness, and
// the canonical text rendered from wire equal to the one rendered from presentation form.

import * as dnsPacket from "dns-packet";
import { MessageFormatError, readMessageAnswers, recordFromPacketAnswer, renderZoneText, renderZoneTextFromWire, soaSerialOfWire } from "../src";
import type { ZoneRecord } from "../src";

/** A hand-made response: header, question "Example.ORG. AXFR", then the given raw answer bytes. */
function message(answerCount: number, answers: number[], rcode = 0): Buffer {
  const header = [0x12, 0x34, 0x84, rcode, 0, 1, 0, answerCount, 0, 0, 0, 0];
  // Question at offset 12: 7 "Example" 3 "ORG" 0, type AXFR (252), class IN.
  const question = [7, ...Buffer.from("Example"), 3, ...Buffer.from("ORG"), 0, 0, 252, 0, 1];
  return Buffer.from([...header, ...question, ...answers]);
}
const APEX = [0xc0, 12]; // pointer to "Example.ORG." in the question
const rr = (owner: number[], type: number, rdata: number[], ttl = 300) => [...owner, 0, type, 0, 1, 0, 0, (ttl >> 8) & 255, ttl & 255, rdata.length >> 8, rdata.length & 255, ...rdata];
const label = (s: string) => [s.length, ...Buffer.from(s)];

describe("readMessageAnswers", () => {
  test("decompresses owner names (lower-cased) and the names inside NS, SOA, MX and SRV RDATA (case kept)", () => {
    const answers = [
      ...rr(APEX, 6, [...label("NS1"), ...APEX, ...label("h"), ...APEX, 0x78, 0xc3, 0x4a, 0x19, 0, 0, 0x2a, 0x30, 0, 0, 0x0e, 0x10, 0, 0x09, 0x3a, 0x80, 0, 0, 0x0e, 0x10], 3600),
      ...rr(APEX, 2, [...label("NS1"), ...APEX]),
      ...rr([...label("WWW"), ...APEX], 1, [192, 0, 2, 1]),
      ...rr(APEX, 15, [0, 10, ...label("Mail"), ...APEX]),
      ...rr([...label("_sip"), ...label("_tcp"), ...APEX], 33, [0, 1, 0, 2, 0x13, 0xc4, ...label("sip"), ...APEX]),
    ];
    const m = readMessageAnswers(message(5, answers));
    expect(m.id).toBe(0x1234);
    expect(m.rcode).toBe(0);
    const records: ZoneRecord[] = m.answers.map((r) => ({ name: r.owner.map((l) => l.toString()).join(".") + ".", type: String(r.type), ttl: r.ttl, rdata: r.rdata.toString("hex") }));
    expect(records.map((r) => r.name)).toEqual(["example.org.", "example.org.", "www.example.org.", "example.org.", "_sip._tcp.example.org."]);
    expect(soaSerialOfWire(m.answers[0]!.rdata)).toBe(0x78c34a19);
    expect(renderZoneTextFromWire(m.answers)).toBe(
      "example.org. 3600 IN SOA NS1.Example.ORG. h.Example.ORG. 2026064409 10800 3600 604800 3600\n" +
        "example.org. 300 IN NS NS1.Example.ORG.\n" +
        "example.org. 300 IN MX 10 Mail.Example.ORG.\n" +
        "_sip._tcp.example.org. 300 IN SRV 1 2 5060 sip.Example.ORG.\n" +
        "www.example.org. 300 IN A 192.0.2.1\n",
    );
  });

  test.each([
    ["a pointer forward (a loop)", message(1, rr([0xc0, 40], 1, [192, 0, 2, 1]))],
    ["a name past the end", message(1, [5, 0x61])],
    ["RDATA past the end", message(1, [...APEX, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2])],
    ["class CH", message(1, [...APEX, 0, 1, 0, 3, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4])],
    ["an MX whose name runs past RDLENGTH", message(1, rr(APEX, 15, [0, 10, 4, 0x6d]))],
    ["trailing octets after an NS name", message(1, rr(APEX, 2, [...APEX, 7]))],
    ["a header only half there", Buffer.from([0x12, 0x34, 0x84])],
  ])("refuses %s", (_what, msg) => {
    expect(() => readMessageAnswers(msg)).toThrow(MessageFormatError);
  });

  test("the text rendered from wire equals the one rendered from presentation, for every record type we know", () => {
    const answers: dnsPacket.Answer[] = [
      { name: "Example.org", type: "SOA", ttl: 3600, data: { mname: "ns1.example.org", rname: "h.example.org", serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4 } },
      { name: "example.org", type: "NS", ttl: 3600, data: "ns1.example.org" },
      { name: "example.org", type: "MX", ttl: 60, data: { preference: 5, exchange: "mx.example.org" } },
      { name: "example.org", type: "TXT", ttl: 60, data: ["v=spf1 -all", "second \"quoted\" ; part"] },
      { name: "example.org", type: "CAA", ttl: 60, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
      { name: "WWW.example.org", type: "AAAA", ttl: 60, data: "2001:db8::1" },
      { name: "alias.example.org", type: "CNAME", ttl: 60, data: "www.example.org" },
      { name: "1.2.0.192.in-addr.example.org", type: "PTR", ttl: 60, data: "host.example.org" },
      { name: "_ldap._tcp.example.org", type: "SRV", ttl: 60, data: { priority: 1, weight: 2, port: 389, target: "ldap.example.org" } },
      { name: "sub.example.org", type: "DS", ttl: 60, data: { keyTag: 12345, algorithm: 13, digestType: 2, digest: Buffer.alloc(32, 7) } },
      { name: "x.example.org", type: "NAPTR", ttl: 60, data: { order: 1, preference: 2, flags: "u", services: "E2U+sip", regexp: "!^.*$!sip:a@b!", replacement: "." } },
      { name: "t.example.org", type: "TLSA", ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.alloc(32, 1) } },
      { name: "r.example.org", type: "DNAME", ttl: 60, data: "elsewhere.example.net" },
      { name: "h.example.org", type: "HINFO", ttl: 60, data: { cpu: "x86", os: "Linux" } },
    ];
    const msg = dnsPacket.encode({ type: "response", id: 1, answers });
    const wire = readMessageAnswers(msg).answers;
    const fromPacket = dnsPacket.decode(msg).answers!.map((a) => recordFromPacketAnswer(a));
    expect(renderZoneTextFromWire(wire)).toBe(renderZoneText(fromPacket));
  });
});
