// Wire adapter: FORMERR/NOTIMP/REFUSED, EDNS and BADVERS, truncation, compression, case preservation, SERVFAIL.

import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { answerQuery, compileZone, createZoneSet, defaultWireOptions } from "../src";
import type { AnswerContext, AnswerLogger, ZoneSet } from "../src";

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "www.example.org. 300 IN A 192.0.2.10",
  "www.example.org. 300 IN A 192.0.2.11",
  "deleg.example.org. 3600 IN NS ns1.example.org.",
  "alias.example.org. 300 IN CNAME many.example.org.",
  ...Array.from({ length: 40 }, (_, i) => `many.example.org. 300 IN A 192.0.2.${i + 1}`),
  ...Array.from({ length: 20 }, (_, i) => `big.example.org. 300 IN TXT "${String(i).padStart(2, "0")}${"x".repeat(98)}"`),
].join("\n");

const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);

function silentLogger(): AnswerLogger & { error: jest.Mock; warn: jest.Mock } {
  return { warn: jest.fn(), error: jest.fn() };
}

/** Records in zone order (round robin off) unless a test turns it on, so that answers can be compared in order. */
function ctx(overrides: Partial<AnswerContext> = {}): AnswerContext {
  return { zones, logger: silentLogger(), transport: "udp", options: { roundRobin: false }, ...overrides };
}

interface QueryOptions {
  type?: string;
  klass?: string;
  flags?: number;
  edns?: { udpPayloadSize?: number; ednsVersion?: number; flags?: number };
}

function query(name: string, options: QueryOptions = {}): Buffer {
  return dnsPacket.encode({
    type: "query",
    id: 4242,
    flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: (options.type ?? "A") as dnsPacket.RecordType, class: (options.klass ?? "IN") as "IN" }],
    additionals: options.edns ? [{ type: "OPT", name: ".", ...options.edns } as dnsPacket.Answer] : [],
  });
}

/** A decoded response; dns-packet also sets `rcode` and `opcode`, missing from its type declarations. */
type Decoded = dnsPacket.DecodedPacket & { rcode: string; opcode: string };

function decode(msg: Buffer): Decoded {
  return dnsPacket.decode(msg) as Decoded;
}

function ask(msg: Buffer, context: AnswerContext = ctx()): Decoded {
  const response = answerQuery(msg, context);
  if (response === null) throw new Error("no response");
  return decode(response);
}

function opt(packet: dnsPacket.Packet): Record<string, unknown> | undefined {
  return (packet.additionals ?? []).find((a) => a.type === "OPT") as Record<string, unknown> | undefined;
}

describe("wire adapter: validation", () => {
  test("messages shorter than a header are dropped", () => {
    expect(answerQuery(Buffer.alloc(11), ctx())).toBeNull();
  });

  test("responses are never answered", () => {
    const msg = query("www.example.org.");
    msg.writeUInt16BE(msg.readUInt16BE(2) | 0x8000, 2);
    expect(answerQuery(msg, ctx())).toBeNull();
  });

  // The question is echoed when it was read whole, as Knot does; else the reply has none.
  const WWW = [{ name: "www.example.org", type: "A", class: "IN" }];
  test.each([
    ["QDCOUNT 0", (m: Buffer) => m.writeUInt16BE(0, 4), []],
    ["QDCOUNT 2", (m: Buffer) => m.writeUInt16BE(2, 4), []],
    ["a truncated question", (m: Buffer) => m.subarray(0, 20), []],
    ["a compression pointer in QNAME", (m: Buffer) => m.writeUInt8(0xc0, 12), []],
    ["a label running past the end", (m: Buffer) => m.writeUInt8(60, 12), []],
    ["an ARCOUNT promising a record that is not there", (m: Buffer) => m.writeUInt16BE(1, 10), WWW],
    ["bytes after the last record (RFC 1035 §4.1)", (m: Buffer) => Buffer.concat([m, Buffer.from([1, 2, 3])]), WWW],
  ])("FORMERR for %s", (_label, mutate, questions) => {
    const msg = query("www.example.org.");
    const mutated = mutate(msg);
    const res = ask(Buffer.isBuffer(mutated) ? mutated : msg);
    expect(res.rcode).toBe("FORMERR");
    expect(res.id).toBe(4242);
    expect(res.questions).toEqual(questions);
  });

  test("FORMERR for two OPT records (RFC 6891 §6.1.1)", () => {
    const msg = dnsPacket.encode({
      type: "query",
      id: 1,
      questions: [{ name: "www.example.org.", type: "A" }],
      additionals: [
        { type: "OPT", name: ".", udpPayloadSize: 1232 } as dnsPacket.Answer,
        { type: "OPT", name: ".", udpPayloadSize: 1232 } as dnsPacket.Answer,
      ],
    });
    expect(ask(msg).rcode).toBe("FORMERR");
  });

  // RFC 6891 §6.1.1: a responder includes an OPT in its reply to a query that carried one, errors included.
  test.each([
    ["NOTIMP (opcode NOTIFY)", (m: Buffer) => m.writeUInt16BE((m.readUInt16BE(2) & ~0x7800) | (4 << 11), 2), "NOTIMP", 1],
    ["FORMERR (bytes after the last record)", (m: Buffer) => Buffer.concat([m, Buffer.from([9])]), "FORMERR", 1],
    ["FORMERR (ARCOUNT promising a record that is not there)", (m: Buffer) => m.writeUInt16BE(2, 10), "FORMERR", 1],
    ["FORMERR (QDCOUNT 0: header and OPT only)", (m: Buffer) => headerAndOptOnly(m), "FORMERR", 0],
  ])("an OPT in the reply to an EDNS query: %s", (_label, mutate, rcode, questions) => {
    const msg = query("www.example.org.", { edns: { udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK } });
    const mutated = mutate(msg);
    const res = ask(Buffer.isBuffer(mutated) ? mutated : msg);
    expect(res.rcode).toBe(rcode);
    expect(res.questions?.length).toBe(questions);
    expect(opt(res)).toMatchObject({ udpPayloadSize: 1232, flag_do: true });
  });

  test.each([
    ["NOTIFY", 4],
    ["UPDATE", 5],
    ["IQUERY", 1],
  ])("NOTIMP for opcode %s, opcode echoed", (name, opcode) => {
    const msg = query("example.org.", { type: "SOA" });
    msg.writeUInt16BE((msg.readUInt16BE(2) & ~0x7800) | (opcode << 11), 2);
    const res = ask(msg);
    expect(res.rcode).toBe("NOTIMP");
    expect(res.opcode).toBe(name);
  });

  test("REFUSED for a name outside the served zones, without AA", () => {
    const res = ask(query("www.example.net."));
    expect(res.rcode).toBe("REFUSED");
    expect(res.flag_aa).toBe(false);
    expect(res.questions).toEqual([{ name: "www.example.net", type: "A", class: "IN" }]);
  });

  test("REFUSED for class CH, even inside a served zone", () => {
    expect(ask(query("www.example.org.", { klass: "CH" })).rcode).toBe("REFUSED");
  });

  // RFC 1035 §3.2.5: QCLASS * matches any class, so the IN data answers it (as Knot, NSD and PowerDNS do); the
  // question is echoed with class ANY, the records keep class IN.
  test.each([
    ["an answer", "www.example.org.", "A", "NOERROR", 2, 0],
    ["NODATA", "www.example.org.", "MX", "NOERROR", 0, 1],
    ["NXDOMAIN", "nope.example.org.", "A", "NXDOMAIN", 0, 1],
    ["a referral", "x.deleg.example.org.", "A", "NOERROR", 0, 1],
  ])("QCLASS ANY gets the IN response: %s", (_label, name, type, rcode, answers, authority) => {
    const anyClass = ask(query(name, { type, klass: "ANY" }));
    const inClass = ask(query(name, { type }));
    expect(anyClass.rcode).toBe(rcode);
    expect([anyClass.answers?.length, anyClass.authorities?.length]).toEqual([answers, authority]);
    expect(anyClass.flag_aa).toBe(inClass.flag_aa);
    expect(anyClass.questions).toEqual([{ name: name.slice(0, -1), type, class: "ANY" }]);
    expect(new Set([...(anyClass.answers ?? []), ...(anyClass.authorities ?? [])].map((r) => (r as { class: string }).class))).toEqual(
      new Set(answers + authority > 0 ? ["IN"] : []),
    );
  });

  test("REFUSED for zone transfers", () => {
    expect(ask(query("example.org.", { type: "AXFR" }), ctx({ transport: "tcp" })).rcode).toBe("REFUSED");
  });
});

describe("wire adapter: answers", () => {
  test("an authoritative answer: id, QR, AA, RD and CD copied, RA clear", () => {
    const res = ask(query("www.example.org.", { flags: dnsPacket.RECURSION_DESIRED | dnsPacket.CHECKING_DISABLED }));
    expect(res).toMatchObject({ id: 4242, rcode: "NOERROR", flag_qr: true, flag_aa: true, flag_rd: true });
    expect(res).toMatchObject({ flag_cd: true, flag_ra: false, flag_tc: false });
    expect(res.answers?.map((a) => (a as { data: string }).data)).toEqual(["192.0.2.10", "192.0.2.11"]);
  });

  test("NXDOMAIN carries the SOA in authority", () => {
    const res = ask(query("nope.example.org."));
    expect(res.rcode).toBe("NXDOMAIN");
    expect(res.flag_aa).toBe(true);
    expect(res.authorities?.map((a) => [a.name, a.type, (a as { ttl: number }).ttl])).toEqual([
      ["example.org", "SOA", 300],
    ]);
  });

  test("a referral has AA clear", () => {
    const res = ask(query("x.deleg.example.org."));
    expect(res.rcode).toBe("NOERROR");
    expect(res.flag_aa).toBe(false);
    expect(res.authorities?.map((a) => a.type)).toEqual(["NS"]);
    expect(res.additionals?.map((a) => a.name)).toEqual(["ns1.example.org"]);
  });

  test("the question keeps the query's case; owner names point to it", () => {
    const msg = query("WwW.ExAmPlE.oRg.");
    const raw = answerQuery(msg, ctx()) as Buffer;
    const res = decode(raw);
    expect(res.questions?.[0]?.name).toBe("WwW.ExAmPlE.oRg");
    expect(res.answers?.[0]?.name).toBe("WwW.ExAmPlE.oRg");
    // Header, question (17 + 4), two A records each with a 2-byte pointer owner: 12 + 21 + 2 * 16.
    expect(raw.length).toBe(12 + 21 + 32);
    expect(raw.readUInt16BE(12 + 21)).toBe(0xc000 | 12);
  });

  test("names sharing a suffix with earlier names are compressed", () => {
    const raw = answerQuery(query("example.org.", { type: "NS" }), ctx()) as Buffer;
    const res = decode(raw);
    expect(res.answers?.[0]).toMatchObject({ name: "example.org", type: "NS", data: "ns1.example.org" });
    expect(res.additionals?.[0]).toMatchObject({ name: "ns1.example.org", type: "A", data: "192.0.2.1" });
    // The NS RDATA (RFC 3597 §4: NS compresses) is "ns1" + a pointer to "example.org" in the question, after the
    // header, question (13 + 4) and the answer's pointer owner and fixed fields (2 + 10): it starts at 41.
    expect(raw.readUInt8(41)).toBe(3);
    expect(raw.readUInt16BE(45)).toBe(0xc000 | 12);
    // The additional owner is then a pointer to that RDATA name.
    const additionalStart = raw.length - (2 + 10 + 4);
    expect(raw.readUInt16BE(additionalStart)).toBe(0xc000 | 41);
  });

  test("an unexpected exception gives SERVFAIL and one error log, never a throw", () => {
    const logger = silentLogger();
    const broken: ZoneSet = { ...zones, find: () => { throw new Error("boom"); } };
    const res = ask(query("www.example.org."), ctx({ zones: broken, logger }));
    expect(res.rcode).toBe("SERVFAIL");
    expect(res.questions?.[0]?.name).toBe("www.example.org");
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  test("round robin (on by default, defaultWireOptions) rotates multi-record RRsets between responses", () => {
    expect(defaultWireOptions().roundRobin).toBe(true);
    const context = ctx({ options: {} });
    const first = ask(query("www.example.org."), context).answers?.map((a) => (a as { data: string }).data);
    const second = ask(query("www.example.org."), context).answers?.map((a) => (a as { data: string }).data);
    expect(new Set([first?.[0], second?.[0]])).toEqual(new Set(["192.0.2.10", "192.0.2.11"]));
  });
});

describe("wire adapter: EDNS (RFC 6891) and truncation", () => {
  test("OPT is echoed with our payload size and the DO bit", () => {
    const res = ask(query("www.example.org.", { edns: { udpPayloadSize: 4096, flags: dnsPacket.DNSSEC_OK } }));
    expect(opt(res)).toMatchObject({ udpPayloadSize: 1232, ednsVersion: 0, flag_do: true, extendedRcode: 0 });
  });

  test("no OPT in the response without one in the query", () => {
    expect(opt(ask(query("www.example.org.")))).toBeUndefined();
  });

  test("BADVERS for EDNS version 1: extended rcode 1 in OPT, version 0, no answer", () => {
    const res = ask(query("www.example.org.", { edns: { ednsVersion: 1 } }));
    expect(res.rcode).toBe("NOERROR");
    expect(opt(res)).toMatchObject({ extendedRcode: 1, ednsVersion: 0 });
    expect(res.answers).toEqual([]);
  });

  test("without EDNS a UDP answer over 512 octets is truncated to nothing and TC is set", () => {
    const raw = answerQuery(query("many.example.org."), ctx()) as Buffer;
    expect(raw.length).toBeLessThanOrEqual(512);
    const res = decode(raw);
    expect(res.flag_tc).toBe(true);
    expect(res.answers).toEqual([]);
  });

  test("with EDNS the advertised size is honoured (capped at 1232)", () => {
    const fits = ask(query("many.example.org.", { edns: { udpPayloadSize: 4096 } }));
    expect(fits.flag_tc).toBe(false);
    expect(fits.answers).toHaveLength(40);
    // 12 + 22 (question) + 40 * 16 + 11 (OPT) = 685 octets.
    expect(ask(query("many.example.org.", { edns: { udpPayloadSize: 700 } })).flag_tc).toBe(false);
    expect(ask(query("many.example.org.", { edns: { udpPayloadSize: 600 } })).flag_tc).toBe(true);
    const tooSmall = answerQuery(query("big.example.org.", { type: "TXT", edns: { udpPayloadSize: 4096 } }), ctx());
    expect((tooSmall as Buffer).length).toBeLessThanOrEqual(1232);
    expect(decode(tooSmall as Buffer).flag_tc).toBe(true);
  });

  test("truncation stops at the last whole RRset", () => {
    // The CNAME fits in 512 octets, the 40 A records it leads to do not: keep the CNAME, drop the A RRset whole.
    const raw = answerQuery(query("alias.example.org."), ctx()) as Buffer;
    const decoded = decode(raw);
    expect(decoded.flag_tc).toBe(true);
    expect(decoded.answers?.map((a) => a.type)).toEqual(["CNAME"]);
    expect(raw.readUInt16BE(6)).toBe(1);
  });

  test("over TCP the whole answer is sent without TC", () => {
    const res = ask(query("big.example.org.", { type: "TXT" }), ctx({ transport: "tcp" }));
    expect(res.flag_tc).toBe(false);
    expect(res.answers).toHaveLength(20);
  });
});

/** `msg` (a query whose last 11 bytes are its OPT) cut down to its header and OPT, with QDCOUNT 0. */
function headerAndOptOnly(msg: Buffer): Buffer {
  const out = Buffer.concat([msg.subarray(0, 12), msg.subarray(msg.length - 11)]);
  out.writeUInt16BE(0, 4);
  return out;
}
