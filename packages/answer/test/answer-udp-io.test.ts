// The two UDP paths (udp_io "batch" and "dgram") answer byte for byte alike: truncation at the advertised EDNS size,
// FORMERR/NOTIMP/BADVERS, dropped packets, RRL drop and slip, and the onQuery tallies fed to the metrics.

import dgram from "node:dgram";
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createZoneSet, startDnsServer } from "../src";
import type { DnsServer, UdpIo } from "../src";

const ZONE = [
  "example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 1 7200 3600 1209600 300",
  "example.org. 3600 IN NS ns1.example.org.",
  "ns1.example.org. 3600 IN A 192.0.2.1",
  "www.example.org. 300 IN A 192.0.2.10",
  ...Array.from({ length: 100 }, (_, i) => `many.example.org. 300 IN A 192.0.2.${i + 1}`),
].join("\n");

const logger = { warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
const IOS: readonly UdpIo[] = ["batch", "dgram"];

function query(id: number, name: string, type: dnsPacket.RecordType = "A", udpPayloadSize?: number, ednsVersion = 0): Buffer {
  const additionals =
    udpPayloadSize === undefined ? [] : [{ type: "OPT", name: ".", udpPayloadSize, flags: 0, options: [], version: ednsVersion } as unknown as dnsPacket.Answer];
  return dnsPacket.encode({ type: "query", id, questions: [{ name, type }], additionals });
}

/** Messages covering every outcome of the UDP path (label, bytes). */
function cases(): Array<[string, Buffer]> {
  const twoQuestions = dnsPacket.encode({ type: "query", id: 5, questions: [{ name: "www.example.org", type: "A" }, { name: "www.example.org", type: "AAAA" }] });
  const notimp = query(6, "www.example.org.");
  notimp[2] = (notimp[2] as number) | (2 << 3); // opcode STATUS
  const response = query(7, "www.example.org.");
  response[2] = (response[2] as number) | 0x80; // QR: a response, dropped
  const cut = query(8, "www.example.org.").subarray(0, 20);
  return [
    ["answer", query(1, "www.example.org.")],
    ["nxdomain", query(2, "nope.example.org.")],
    ["refused", query(3, "www.example.net.")],
    ["truncated at 512 without EDNS", query(4, "many.example.org.")],
    ["truncated at the advertised 700", query(10, "many.example.org.", "A", 700)],
    ["capped at 1232 though 4096 advertised", query(11, "many.example.org.", "A", 4096)],
    ["formerr: two questions", twoQuestions],
    ["formerr: cut question", cut],
    ["notimp", notimp],
    ["badvers", query(12, "www.example.org.", "A", 1232, 1)],
    ["dropped: a response", response],
    ["dropped: shorter than a header", Buffer.from([1, 2, 3])],
  ];
}

/**
 * Sends `msgs` from one socket, all at once, and collects what comes back: waits for `expected` replies (at most
 * 5 s: a loaded machine may be slow to answer), then `ms` more for any reply beyond them.
 */
async function exchange(port: number, msgs: Buffer[], expected: number, ms: number): Promise<string[]> {
  const socket = dgram.createSocket("udp4");
  const replies: string[] = [];
  let arrived = (): void => undefined;
  socket.on("message", (m) => {
    replies.push(m.toString("hex"));
    arrived();
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  for (const msg of msgs) await new Promise<void>((resolve) => socket.send(msg, port, "127.0.0.1", () => resolve()));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    arrived = () => {
      if (replies.length < expected) return;
      clearTimeout(timer);
      resolve();
    };
    arrived();
  });
  await new Promise((r) => setTimeout(r, ms));
  socket.close();
  return replies;
}

describe("udp_io batch and dgram answer alike", () => {
  const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);
  // Per UDP path: one server without RRL (the outcome cases) and one with it.
  const servers = new Map<string, { server: DnsServer; seen: Array<[string, string | null]> }>();

  beforeAll(async () => {
    for (const [udpIo, rrl] of IOS.flatMap((io) => [[io, false], [io, true]] as const)) {
      const seen: Array<[string, string | null]> = [];
      const server = await startDnsServer({
        address: "127.0.0.1",
        port: 0,
        zones,
        logger,
        roundRobin: false,
        udpIo,
        nsid: Buffer.from("udp-io-test"),
        // One response per second per bucket, every 2nd limited one slipped truncated.
        rrl: { responsesPerSecond: rrl ? 1 : 0, slip: 2, windowSeconds: 5 },
        onQuery: (q, r, transport) => seen.push([q.toString("hex"), r === null ? null : `${transport} ${r.toString("hex")}`]),
      });
      servers.set(`${udpIo}${rrl ? " rrl" : ""}`, { server, seen });
    }
  });
  afterAll(async () => {
    for (const { server } of servers.values()) await server.close();
  });

  test("each server uses the UDP path asked for", () => {
    for (const udpIo of IOS) {
      expect(servers.get(udpIo)?.server.udpIo).toBe(udpIo);
      expect(servers.get(`${udpIo} rrl`)?.server.udpIo).toBe(udpIo);
    }
  });

  test.each(cases())("%s: the same bytes (or nothing) from both", async (_label, msg) => {
    const got = [];
    for (const udpIo of IOS) {
      const entry = servers.get(udpIo);
      if (entry === undefined) throw new Error(udpIo);
      entry.seen.length = 0;
      const replies = await exchange(entry.server.address().port, [msg], _label.startsWith("dropped") ? 0 : 1, 150);
      got.push({ replies, seen: entry.seen.slice() });
    }
    expect(got[0]).toEqual(got[1]);
    const [reply] = got[0]?.replies ?? [];
    if (reply !== undefined) {
      const decoded = dnsPacket.decode(Buffer.from(reply, "hex"));
      const limit = /advertised 700/.test(_label) ? 700 : /1232/.test(_label) ? 1232 : 512;
      expect(reply.length / 2).toBeLessThanOrEqual(limit);
      if (/truncated|capped/.test(_label)) expect(decoded.flags & 0x200).toBe(0x200);
    }
  });

  test("RRL: a flood of one question gets one answer, then every 2nd limited response slipped (TC), the rest dropped", async () => {
    const flood = Array.from({ length: 9 }, () => query(42, "www.example.org."));
    const got = [];
    for (const udpIo of IOS) {
      const entry = servers.get(`${udpIo} rrl`);
      if (entry === undefined) throw new Error(udpIo);
      entry.seen.length = 0;
      const replies = await exchange(entry.server.address().port, flood, 5, 300);
      got.push({ replies: replies.sort(), seen: entry.seen.slice() });
    }
    expect(got[0]).toEqual(got[1]);
    const decoded = (got[0]?.replies ?? []).map((r) => dnsPacket.decode(Buffer.from(r, "hex")));
    expect(decoded).toHaveLength(5); // 1 answer + 4 of the 8 limited ones slipped
    expect(decoded.filter((d) => (d.flags & 0x200) !== 0 && d.answers.length === 0)).toHaveLength(4);
    expect(got[0]?.seen.filter(([, r]) => r === null)).toHaveLength(4);
    expect(logger.error).not.toHaveBeenCalled();
  });

  test("RRL: slipped replies to EDNS queries keep the OPT (RFC 6891 §6.1.1) and its NSID (RFC 5001)", async () => {
    const withNsid = dnsPacket.encode({
      type: "query",
      id: 43,
      questions: [{ name: "ns1.example.org", type: "A" }],
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: 0, options: [{ code: 3, data: Buffer.alloc(0) }] } as unknown as dnsPacket.Answer],
    });
    for (const udpIo of IOS) {
      const entry = servers.get(`${udpIo} rrl`);
      if (entry === undefined) throw new Error(udpIo);
      const replies = await exchange(entry.server.address().port, Array.from({ length: 5 }, () => withNsid), 3, 300);
      const decoded = replies.map((r) => dnsPacket.decode(Buffer.from(r, "hex")));
      expect(decoded).toHaveLength(3); // 1 answer + 2 of the 4 limited ones slipped
      const slipped = decoded.filter((d) => (d.flags & 0x200) !== 0);
      expect(slipped).toHaveLength(2);
      for (const d of decoded) {
        const opt = (d.additionals ?? []).find((r) => r.type === "OPT") as { options?: { code: number; data: Buffer }[] } | undefined;
        expect(opt?.options?.find((o) => o.code === 3)?.data.toString()).toBe("udp-io-test");
      }
      for (const d of slipped) {
        expect(d.answers).toHaveLength(0);
        expect(d.additionals).toHaveLength(1);
      }
    }
  });
});
