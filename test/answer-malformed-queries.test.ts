// Queries that are not well formed (issue 21 item 8) or unusual (issue 23 items 2, 3), asked of the engine's real
// server and of Knot DNS: bytes after the last record → FORMERR; a TSIG with a key the server does not hold →
// NOTAUTH + TSIG error BADKEY; QCLASS ANY answered like IN; error replies echo the question and carry an OPT;
// REFUSED outside our zones carries EDE 20 (issue 23 item 4).

import dgram from "node:dgram";
import net from "node:net";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as dnsPacket from "dns-packet";
import { compileZone, createZoneSet, startDnsServer } from "@pdns-distribute/answer";
import type { DnsServer } from "@pdns-distribute/answer";
import { parseZoneText } from "@pdns-distribute/dns";
import { makeTempDir, removeTempDir, startKnot } from "@pdns-distribute/test-harness";
import type { Knot } from "@pdns-distribute/test-harness";

const ZONE = `malformed.test. 3600 IN SOA ns1.malformed.test. hostmaster.malformed.test. 1 7200 3600 1209600 300
malformed.test. 3600 IN NS ns1.malformed.test.
ns1.malformed.test. 3600 IN A 192.0.2.53
www.malformed.test. 3600 IN A 192.0.2.80
`;
const RCODE = { NOERROR: 0, FORMERR: 1, NOTAUTH: 9 } as const;
/** TSIG error BADKEY (RFC 8945 §5.2). */
const BADKEY = 17;
const silent = { warn: () => undefined, error: () => undefined, debug: () => undefined };

/** Sends one datagram to 127.0.0.1:`port` and resolves with the reply (null after 2 s without one). */
function ask(port: number, message: Buffer): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => finish(null), 2000);
    function finish(reply: Buffer | null): void {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    }
    socket.on("message", (reply) => finish(reply));
    socket.send(message, port, "127.0.0.1");
  });
}

/** Sends one message over TCP to 127.0.0.1:`port` (2-byte length framing, RFC 1035 §4.2.2) and resolves with the first reply. */
function askTcp(port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("no TCP answer"))), 2000);
    let got = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    socket.write(Buffer.concat([Buffer.from([message.length >> 8, message.length & 0xff]), message]));
  });
}

/** A plain query for www A, with an OPT record when `edns`. */
function query(id: number, edns = false): Buffer {
  return dnsPacket.encode({
    type: "query",
    id,
    questions: [{ name: "www.malformed.test", type: "A", class: "IN" }],
    additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0 }] : [],
  });
}

/** Wire form of an uncompressed absolute name. */
function wireName(name: string): Buffer {
  return Buffer.concat([...name.split(".").filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

/** A TSIG record (RFC 8945 §4.2) for key `key.unknown.`, hmac-sha256, now, with a 32-byte MAC of random bytes. */
function tsigRecord(originalId: number): Buffer {
  const time = Buffer.alloc(6);
  time.writeUIntBE(Math.floor(Date.now() / 1000), 0, 6);
  const rdata = Buffer.concat([
    wireName("hmac-sha256."),
    time,
    Buffer.from([0x01, 0x2c, 0, 32]), // fudge 300, MAC size 32
    Buffer.alloc(32, 0xab),
    Buffer.from([originalId >> 8, originalId & 0xff, 0, 0, 0, 0]), // original ID, error 0, other len 0
  ]);
  const fixed = Buffer.from([0, 250, 0, 255, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 0xff]); // TSIG, ANY, TTL 0
  return Buffer.concat([wireName("key.unknown."), fixed, rdata]);
}

/** `message` with `records` appended to its additional section (ARCOUNT raised). */
function withAdditional(message: Buffer, ...records: Buffer[]): Buffer {
  const out = Buffer.concat([message, ...records]);
  out.writeUInt16BE(message.readUInt16BE(10) + records.length, 10);
  return out;
}

/** The rcode (header bits plus an OPT's extended bits are not needed here) and the TSIG record of a response. */
function inspect(reply: Buffer): { rcode: number; tsig: { error: number; macSize: number; originalId: number } | null; last: string | undefined } {
  const decoded = dnsPacket.decode(reply) as dnsPacket.DecodedPacket & { rcode: string };
  const rcode = reply.readUInt8(3) & 0x0f;
  const additionals = decoded.additionals ?? [];
  const last = additionals[additionals.length - 1] as { type: string; data?: Buffer } | undefined;
  if (last === undefined || last.type !== "TSIG" || !Buffer.isBuffer(last.data)) return { rcode, tsig: null, last: last?.type };
  const data = last.data;
  let pos = 0;
  while (data[pos] !== 0) pos += (data[pos] ?? 0) + 1; // algorithm name
  pos += 1 + 6 + 2; // root label, Time Signed, Fudge
  const macSize = data.readUInt16BE(pos);
  pos += 2 + macSize;
  return { rcode, tsig: { macSize, originalId: data.readUInt16BE(pos), error: data.readUInt16BE(pos + 2) }, last: last.type };
}

describe("queries that are not well formed, against the engine and Knot DNS", () => {
  let dir: string;
  let knot: Knot;
  let engine: DnsServer;
  const servers = (): [string, number][] => [
    ["engine", engine.address().port],
    ["knot", knot.port],
  ];

  beforeAll(async () => {
    dir = await makeTempDir("malformed");
    const file = join(dir, "malformed.test.zone");
    await writeFile(file, ZONE);
    knot = await startKnot({ zones: [{ origin: "malformed.test.", file }] });
    const zones = createZoneSet([compileZone("malformed.test.", parseZoneText(ZONE))]);
    engine = await startDnsServer({ address: "127.0.0.1", port: 0, zones, logger: silent });
  });

  afterAll(async () => {
    await engine?.close();
    await knot?.stop();
    if (dir !== undefined) await removeTempDir(dir);
  });

  test("a well-formed query is answered NOERROR by both (the baseline of the cases below)", async () => {
    for (const [name, port] of servers()) {
      const reply = await ask(port, query(1));
      expect([name, reply === null ? null : inspect(reply).rcode]).toEqual([name, RCODE.NOERROR]);
    }
  });

  test("bytes after the last record the header counts → FORMERR (RFC 1035 §4.1: a message is exactly its sections; Knot and NSD do so)", async () => {
    for (const edns of [false, true]) {
      for (const trailing of [Buffer.from([0]), Buffer.from("trailing garbage after a valid query")]) {
        for (const [name, port] of servers()) {
          const reply = await ask(port, Buffer.concat([query(2, edns), trailing]));
          expect([name, edns, trailing.length, reply === null ? null : inspect(reply).rcode]).toEqual([name, edns, trailing.length, RCODE.FORMERR]);
        }
      }
    }
  });

  test("a TSIG with a key the server does not hold → NOTAUTH, TSIG error BADKEY, unsigned (RFC 8945 §5.2, §5.3.2)", async () => {
    for (const edns of [false, true]) {
      for (const [name, port] of servers()) {
        const message = edns ? withAdditional(query(0x4243, false), encodeOpt(), tsigRecord(0x4243)) : withAdditional(query(0x4243), tsigRecord(0x4243));
        const reply = await ask(port, message);
        expect(reply).not.toBeNull();
        const seen = inspect(reply as Buffer);
        expect([name, edns, seen.rcode, seen.last]).toEqual([name, edns, RCODE.NOTAUTH, "TSIG"]);
        // §5.3.2: no MAC on a BADKEY error; §4.2: Original ID as in the request.
        expect([name, seen.tsig]).toEqual([name, { error: BADKEY, macSize: 0, originalId: 0x4243 }]);
        expect((reply as Buffer).readUInt16BE(0)).toBe(0x4243);
      }
    }
  });

  test.each([
    ["www.malformed.test", "A"],
    ["www.malformed.test", "MX"],
    ["nope.malformed.test", "A"],
  ] as const)("QCLASS ANY %s %s: the same reply as Knot (RFC 1035 §3.2.5: * matches any class)", async (name, type) => {
    const message = dnsPacket.encode({ type: "query", id: 9, questions: [{ name, type, class: "ANY" }] });
    const ours = shape(await ask(engine.address().port, message));
    expect(ours).toEqual(shape(await ask(knot.port, message)));
    expect(ours?.rcode).not.toBe(5); // not REFUSED
  });

  test.each([
    ["bytes after the last record", (m: Buffer) => Buffer.concat([m, Buffer.from([7, 7])])],
    ["an ARCOUNT promising a record that is not there", (m: Buffer) => (m.writeUInt16BE(m.readUInt16BE(10) + 1, 10), m)],
  ])("FORMERR for %s: question echoed as Knot does, and an OPT because the query had one (RFC 6891 §6.1.1)", async (_label, mutate) => {
    const ours = await ask(engine.address().port, mutate(query(3, true)));
    const theirs = await ask(knot.port, mutate(query(3, true)));
    expect(shape(ours)).toEqual(shape(theirs));
    expect(shape(ours)?.rcode).toBe(RCODE.FORMERR);
    // Knot leaves the OPT out of these FORMERRs; RFC 6891 §6.1.1 asks for it, so ours has it.
    expect((ours as Buffer).readUInt16BE(10)).toBe(1);
    expect(inspect(ours as Buffer).last).toBe("OPT");
  });

  test("NOTIMP (opcode STATUS) to an EDNS query: question echoed and OPT included, as Knot does (RFC 6891 §6.1.1)", async () => {
    const message = query(4, true);
    message.writeUInt16BE((message.readUInt16BE(2) & ~0x7800) | (2 << 11), 2);
    const ours = await ask(engine.address().port, message);
    const theirs = await ask(knot.port, message);
    expect(shape(ours)).toEqual(shape(theirs));
    expect(shape(ours)?.rcode).toBe(4);
    expect([(ours as Buffer).readUInt16BE(10), (theirs as Buffer).readUInt16BE(10)]).toEqual([1, 1]);
  });

  test("a name outside every served zone → REFUSED with EDE 20 Not Authoritative when the query has an OPT, as Knot (RFC 8914 §4.21)", async () => {
    for (const edns of [true, false]) {
      const message = dnsPacket.encode({
        type: "query",
        id: 6,
        questions: [{ name: "www.elsewhere.example", type: "A", class: "IN" }],
        additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0 } as unknown as dnsPacket.Answer] : [],
      });
      for (const [name, port] of servers()) {
        const reply = await ask(port, message);
        expect(reply).not.toBeNull();
        // RFC 8914 §3: EDE only in the OPT of a reply to a query that carried one.
        expect([name, edns, inspect(reply as Buffer).rcode, edeCodes(reply as Buffer)]).toEqual([name, edns, 5, edns ? [20] : null]);
      }
    }
  });

  test("AXFR over TCP from a peer not allowed → REFUSED; with an OPT it carries EDE 18 Prohibited (RFC 8914 §4.19)", async () => {
    for (const edns of [true, false]) {
      const message = dnsPacket.encode({
        type: "query",
        id: 7,
        questions: [{ name: "malformed.test", type: "AXFR", class: "IN" }],
        additionals: edns ? [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0 } as unknown as dnsPacket.Answer] : [],
      });
      const ours = await askTcp(engine.address().port, message);
      expect([edns, inspect(ours).rcode, edeCodes(ours)]).toEqual([edns, 5, edns ? [18] : null]);
      // Not compared with Knot: Knot 2026-12 answers this NOTAUTH (9) without EDE; RFC 5936 §4.2 names REFUSED.
    }
  });

  test("a TSIG that is not the last record → FORMERR (RFC 8945 §5.1)", async () => {
    const message = withAdditional(query(5), tsigRecord(5), encodeOpt());
    for (const [name, port] of servers()) {
      const reply = await ask(port, message);
      expect([name, reply === null ? null : inspect(reply).rcode]).toEqual([name, RCODE.FORMERR]);
    }
  });
});

/** Header counts and flags of a reply, for comparing the shape of two servers' replies. */
function shape(reply: Buffer | null): { rcode: number; aa: boolean; qd: number; an: number; ns: number } | null {
  if (reply === null) return null;
  return { rcode: reply.readUInt8(3) & 0x0f, aa: (reply.readUInt8(2) & 0x04) !== 0, qd: reply.readUInt16BE(4), an: reply.readUInt16BE(6), ns: reply.readUInt16BE(8) };
}

/** INFO-CODEs of the EDE options (RFC 8914 §2: option code 15) in a reply's OPT; null without an OPT. */
function edeCodes(reply: Buffer): number[] | null {
  const opt = dnsPacket.decode(reply).additionals?.find((r) => r.type === "OPT") as { options?: { code: number; data?: Buffer }[] } | undefined;
  if (opt === undefined) return null;
  return (opt.options ?? []).filter((o) => o.code === 15).map((o) => (o.data as Buffer).readUInt16BE(0));
}

/** An OPT record (RFC 6891 §6.1.2): root owner, UDP size 1232, version 0, no flags, no options. */
function encodeOpt(): Buffer {
  return Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
}
