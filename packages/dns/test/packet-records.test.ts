// Tests of the conversion of dns-packet decoded answers into ZoneRecords.

import * as dnsPacket from "dns-packet";
import { RdataError, rdataToWire, recordFromPacketAnswer } from "../src";

const KEY = "tTOupebpwWr1i7Qy4bSqyH4DHLRnl2Lq1dOQ/zpQtRZoLEXwqxunqG2V7EsIQUKPSJi6x+GkER3TBeSM/SxW3w==";
const SIG = "7P6pCtq9OpF8XE1VYsdl6/gAszHO5yz+/mu/B6TeVPO6EJ4UpRycTkHSMzh60ofBuPkHKj/rnmoIIShosbu48A==";

/** Encodes answers into a response with dns-packet and decodes it back, as an AXFR client receives them. */
function roundTrip(answers: dnsPacket.Answer[]): dnsPacket.Answer[] {
  const buf = dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "AXFR", name: "example.org" }], answers });
  return dnsPacket.decode(buf).answers ?? [];
}

/** An answer whose data is the raw wire form of our own presentation (for types dns-packet does not know). */
function raw(name: string, type: string, rdata: string, wireType = type): dnsPacket.Answer {
  return { name, type: wireType, ttl: 60, class: "IN", data: rdataToWire(type, rdata) } as unknown as dnsPacket.Answer;
}

describe("recordFromPacketAnswer", () => {
  const cases: Array<[dnsPacket.Answer, string, string]> = [
    [{ name: "Example.ORG", type: "A", ttl: 60, data: "192.0.2.1" }, "A", "192.0.2.1"],
    [{ name: "example.org", type: "AAAA", ttl: 60, data: "2001:db8::1" }, "AAAA", "2001:db8::1"],
    [{ name: "example.org", type: "NS", ttl: 60, data: "ns1.example.org" }, "NS", "ns1.example.org."],
    [{ name: "example.org", type: "CNAME", ttl: 60, data: "target.example.org" }, "CNAME", "target.example.org."],
    [{ name: "example.org", type: "MX", ttl: 60, data: { preference: 10, exchange: "mail.example.org" } }, "MX", "10 mail.example.org."],
    [
      { name: "example.org", type: "SOA", ttl: 60, data: { mname: "ns1.example.org", rname: "host\\.master.example.org", serial: 2026112201, refresh: 10800, retry: 3600, expire: 604800, minimum: 3600 } },
      "SOA",
      "ns1.example.org. host\\.master.example.org. 2026112201 10800 3600 604800 3600",
    ],
    [{ name: "example.org", type: "TXT", ttl: 60, data: ["a b", Buffer.from([0x22, 0xff])] }, "TXT", '"a b" "\\"\\255"'],
    [{ name: "example.org", type: "CAA", ttl: 60, data: { flags: 128, tag: "issue", value: "letsencrypt.org" } }, "CAA", '128 issue "letsencrypt.org"'],
    [{ name: "example.org", type: "CAA", ttl: 60, data: { flags: 0, tag: "iodef", value: "mailto:x@example.org" } }, "CAA", '0 iodef "mailto:x@example.org"'],
    [{ name: "example.org", type: "SRV", ttl: 60, data: { priority: 10, weight: 60, port: 5060, target: "sip.example.org" } }, "SRV", "10 60 5060 sip.example.org."],
    [{ name: "example.org", type: "HINFO", ttl: 60, data: { cpu: "PC Intel", os: "Linux" } }, "HINFO", '"PC Intel" "Linux"'],
    [
      { name: "example.org", type: "NAPTR", ttl: 60, data: { order: 100, preference: 10, flags: "S", services: "SIP+D2U", regexp: "", replacement: "_sip._udp.example.org" } },
      "NAPTR",
      '100 10 "S" "SIP+D2U" "" _sip._udp.example.org.',
    ],
    [{ name: "example.org", type: "DNSKEY", ttl: 60, data: { flags: 257, algorithm: 13, key: Buffer.from(KEY, "base64") } }, "DNSKEY", `257 3 13 ${KEY}`],
    [
      { name: "sub.example.org", type: "DS", ttl: 60, data: { keyTag: 12345, algorithm: 13, digestType: 2, digest: Buffer.from("0123456789abcdef", "hex") } },
      "DS",
      "12345 13 2 0123456789ABCDEF",
    ],
    [
      {
        name: "example.org",
        type: "RRSIG",
        ttl: 60,
        data: { typeCovered: "NSEC3PARAM", algorithm: 13, labels: 2, originalTTL: 3600, expiration: 1796256000, inception: 1794441600, keyTag: 43327, signersName: "example.org", signature: Buffer.from(SIG, "base64") },
      },
      "RRSIG",
      `NSEC3PARAM 13 2 3600 20261203000000 20261112000000 43327 example.org. ${SIG}`,
    ],
    [
      {
        name: "example.org",
        type: "RRSIG",
        ttl: 60,
        data: { typeCovered: "UNKNOWN_65534", algorithm: 13, labels: 2, originalTTL: 60, expiration: 1796256000, inception: 1794441600, keyTag: 1, signersName: "example.org", signature: Buffer.from(SIG, "base64") },
      } as unknown as dnsPacket.Answer,
      "RRSIG",
      `TYPE65534 13 2 60 20261203000000 20261112000000 1 example.org. ${SIG}`,
    ],
    [{ name: "example.org", type: "NSEC", ttl: 60, data: { nextDomain: "a.example.org", rrtypes: ["A", "RRSIG", "NSEC", "UNKNOWN_65534"] } } as dnsPacket.Answer, "NSEC", "a.example.org. A RRSIG NSEC TYPE65534"],
    [
      {
        name: "0lktcfokcf6os8rcbi91ncqj9hgnqf09.example.org",
        type: "NSEC3",
        ttl: 60,
        data: { algorithm: 1, flags: 0, iterations: 1, salt: Buffer.from("ab", "hex"), nextDomain: Buffer.from("0123456789", "hex"), rrtypes: ["A", "RRSIG"] },
      },
      "NSEC3",
      "1 0 1 AB 04HKAPS9 A RRSIG",
    ],
    [raw("example.org", "NSEC3PARAM", "1 0 1 AB"), "NSEC3PARAM", "1 0 1 AB"],
    [raw("example.org", "SPF", '"v=spf1 -all"'), "SPF", '"v=spf1 -all"'],
    [raw("example.org", "TYPE65534", "\\# 3 010203", "UNKNOWN_65534"), "TYPE65534", "\\# 3 010203"],
    [raw("example.org", "HTTPS", "\\# 3 000100", "UNKNOWN_65"), "HTTPS", "\\# 3 000100"],
    [{ name: "example.org", type: "TLSA", ttl: 60, data: { usage: 3, selector: 1, matchingType: 1, certificate: Buffer.from("abcd", "hex") } }, "TLSA", "3 1 1 ABCD"],
    [{ name: "example.org", type: "SSHFP", ttl: 60, data: { algorithm: 1, hash: 1, fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567" } }, "SSHFP", "1 1 0123456789ABCDEF0123456789ABCDEF01234567"],
  ];

  it.each(cases)("converts %j", (answer, type, rdata) => {
    const [decoded] = roundTrip([answer]);
    const record = recordFromPacketAnswer(decoded as dnsPacket.Answer);
    expect(record).toEqual({ name: answer.name.toLowerCase() + ".", type, ttl: 60, rdata });
  });

  it("does not mutate the decoded answer", () => {
    const [decoded] = roundTrip([{ name: "example.org", type: "CAA", ttl: 60, data: { flags: 129, tag: "issue", value: "x" } }]);
    const before = JSON.stringify(decoded);
    expect(recordFromPacketAnswer(decoded as dnsPacket.Answer).rdata).toBe('129 issue "x"');
    expect(JSON.stringify(decoded)).toBe(before);
  });

  it("converts the root name and a missing TTL", () => {
    expect(recordFromPacketAnswer({ name: ".", type: "NS", data: "a.root-servers.net" })).toEqual({ name: ".", type: "NS", ttl: 0, rdata: "a.root-servers.net." });
  });

  it("rejects OPT and non-IN classes", () => {
    expect(() => recordFromPacketAnswer({ name: ".", type: "OPT", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] })).toThrow(RdataError);
    expect(() => recordFromPacketAnswer({ name: "x", type: "A", class: "CH", data: "192.0.2.1" })).toThrow("only IN");
  });

  it("rejects data that cannot be encoded", () => {
    expect(() => recordFromPacketAnswer({ name: "x", type: "DNSKEY", data: { flags: 257, algorithm: 13 } } as unknown as dnsPacket.Answer)).toThrow(RdataError);
  });
});
