// The UDP packet cache: hits, misses, invalidation by zone changes (packet-cache.ts), and which answers are never
// kept because they depend on the client or on round robin (cached-answer.ts, wire.ts lastAnswerCacheable).
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createServerCookies, createZoneSet } from "../src";
import type { AnswerContext } from "../src";
import { CachedUdpAnswers } from "../src/cached-answer";
import { PacketCache, PACKET_CACHE_KEY_MAX } from "../src/packet-cache";
import { QueryPeer } from "../src/query-peer";
import { answerQueryInto, rateLimitSubject } from "../src/wire";

const ZONE = [
  "pc.test. 3600 IN SOA ns1.pc.test. hostmaster.pc.test. 1 7200 3600 1209600 300",
  "pc.test. 3600 IN NS ns1.pc.test.",
  "ns1.pc.test. 3600 IN A 192.0.2.1",
  "www.pc.test. 300 IN A 192.0.2.10",
  "multi.pc.test. 300 IN A 192.0.2.20",
  "multi.pc.test. 300 IN A 192.0.2.21",
  "multi.pc.test. 300 IN A 192.0.2.22",
  "*.wild.pc.test. 300 IN TXT \"w\"",
].join("\n");
const logger = { warn: jest.fn(), error: jest.fn() };

/** A query for `name`/`type` with ID `id`; `opt`: an OPT (DO set) with these options. */
function query(name: string, type: dnsPacket.RecordType, id = 1, opt?: { code: number; data: Buffer }[]): Buffer {
  const additionals = opt === undefined ? [] : [{ type: "OPT", name: ".", udpPayloadSize: 1232, flags: dnsPacket.DNSSEC_OK, options: opt } as unknown as dnsPacket.Answer];
  return dnsPacket.encode({ type: "query", id, questions: [{ name, type }], additionals });
}

function zoneSet(serial = 1) {
  return createZoneSet([compileZone("pc.test.", parseZoneText(ZONE.replace(" 1 7200", ` ${serial} 7200`)))]);
}

describe("PacketCache (pure)", () => {
  const source = { generation: 1 };
  const response = Buffer.from("0000818000010001000000000377777700000100010000012c000400000000", "hex");

  test("a stored query hits with its response under the asking query's ID; another query misses", () => {
    const cache = new PacketCache(512, 8);
    const q = query("www.pc.test", "A", 7);
    expect(cache.find(q, q.length, source)).toBe(-1);
    cache.store(q, q.length, source, response, 0, response.length, "subject");
    const again = query("www.pc.test", "A", 0xbeef);
    const e = cache.find(again, again.length, source);
    expect(e).toBeGreaterThanOrEqual(0);
    const out = Buffer.alloc(600, 0xff);
    expect(cache.copyInto(e, again, out, 40)).toBe(response.length);
    expect(out.subarray(40, 40 + response.length)).toEqual(Buffer.concat([Buffer.from("beef", "hex"), response.subarray(2)]));
    expect(cache.subject(e)).toBe("subject");
    for (const other of [query("WWW.pc.test", "A"), query("www.pc.test", "AAAA"), query("www.pc.test", "A", 7, []), query("ns1.pc.test", "A")]) {
      expect(cache.find(other, other.length, source)).toBe(-1);
    }
  });

  test("a new generation or another zone source empties it", () => {
    const cache = new PacketCache(512, 8);
    const changing = { generation: 1 };
    const q = query("www.pc.test", "A");
    cache.find(q, q.length, changing);
    cache.store(q, q.length, changing, response, 0, response.length, null);
    expect(cache.find(q, q.length, changing)).toBeGreaterThanOrEqual(0);
    changing.generation++;
    expect(cache.find(q, q.length, changing)).toBe(-1);
    cache.store(q, q.length, changing, response, 0, response.length, null);
    expect(cache.find(q, q.length, { generation: 2 })).toBe(-1);
    expect(cache.find(q, q.length, changing)).toBe(-1); // the switch to the other source emptied it
  });

  test("a store under a source other than the one last looked up is ignored; oversized keys and responses are not kept", () => {
    const cache = new PacketCache(64, 8);
    const q = query("www.pc.test", "A");
    cache.find(q, q.length, source);
    cache.store(q, q.length, { generation: 1 }, response, 0, response.length, null);
    expect(cache.find(q, q.length, source)).toBe(-1);
    cache.store(q, q.length, source, Buffer.alloc(65), 0, 65, null);
    expect(cache.find(q, q.length, source)).toBe(-1);
    const long = Buffer.alloc(PACKET_CACHE_KEY_MAX + 1, 1);
    cache.store(long, long.length, source, response, 0, response.length, null);
    expect(cache.find(long, long.length, source)).toBe(-1);
  });

  test("two ways per set: with one set, the two newest queries stay", () => {
    const cache = new PacketCache(512, 2);
    const qs = ["a.pc.test", "b.pc.test", "c.pc.test"].map((n) => query(n, "A"));
    cache.find(qs[0] as Buffer, 1, source);
    for (const q of qs) cache.store(q, q.length, source, response, 0, response.length, null);
    const hits = qs.map((q) => cache.find(q, q.length, source) >= 0);
    expect(hits).toEqual([false, true, true]);
  });

  test("the arena is a ring: an entry whose octets were written over is gone, older ones past the head stay", () => {
    // 27-octet queries and a 40-octet response: 68 octets an entry (rounded to 4), so 5 fit in 360 octets.
    const small = Buffer.concat([response, Buffer.alloc(9, 7)]);
    const cache = new PacketCache(64, 64, 360);
    const qs = ["a", "b", "c", "d", "e", "f"].map((n) => query(`${n}.pc.test`, "A"));
    cache.find(qs[0] as Buffer, 1, source);
    for (const q of qs.slice(0, 5)) cache.store(q, q.length, source, small, 0, small.length, null);
    expect(qs.map((q) => cache.find(q, q.length, source) >= 0)).toEqual([true, true, true, true, true, false]);
    cache.store(qs[5] as Buffer, (qs[5] as Buffer).length, source, small, 0, small.length, null); // wraps: over a's octets
    expect(qs.map((q) => cache.find(q, q.length, source) >= 0)).toEqual([false, true, true, true, true, true]);
    const out = Buffer.alloc(64);
    const e = cache.find(qs[1] as Buffer, (qs[1] as Buffer).length, source);
    expect(out.subarray(0, cache.copyInto(e, qs[1] as Buffer, out, 0)).subarray(2)).toEqual(small.subarray(2));
  });

  test("entries must be a power of two, the arena must hold one entry", () => {
    expect(() => new PacketCache(512, 6)).toThrow(RangeError);
    expect(() => new PacketCache(512, 8, 700)).toThrow(RangeError);
  });
});

describe("CachedUdpAnswers: byte for byte what wire.ts answers, and only what may be kept", () => {
  const out = Buffer.alloc(1232 * 4);

  function answers(ctx: AnswerContext, msg: Buffer, through: CachedUdpAnswers): Buffer {
    const length = through.answerInto(msg, msg.length, () => ctx, out, 0);
    return Buffer.from(out.subarray(0, Math.max(length, 0)));
  }

  test("a repeated query is answered from the cache with its own ID; a changed zone is answered anew", () => {
    const ctx: AnswerContext = { zones: zoneSet(1), logger, transport: "udp", options: { roundRobin: false } };
    const through = new CachedUdpAnswers(1232, true, logger);
    const direct = Buffer.alloc(1232);
    for (const [name, type] of [["www.pc.test", "A"], ["nope.pc.test", "A"], ["x.wild.pc.test", "TXT"], ["pc.test", "SOA"]] as const) {
      for (const id of [1, 2, 0xfffe]) {
        const msg = query(name, type, id);
        const got = answers(ctx, msg, through);
        const length = answerQueryInto(msg, ctx, direct, 0);
        expect(got).toEqual(direct.subarray(0, length));
        expect(through.rrlSubject).toBe(rateLimitSubject()); // RRL counts a cached answer as a fresh one
      }
    }
    const soa = query("pc.test", "SOA", 9);
    expect(dnsPacket.decode(answers(ctx, soa, through)).answers?.[0]).toMatchObject({ data: { serial: 1 } });
    ctx.zones.put(compileZone("pc.test.", parseZoneText(ZONE.replace(" 1 7200", " 2 7200"))));
    expect(dnsPacket.decode(answers(ctx, soa, through)).answers?.[0]).toMatchObject({ data: { serial: 2 } });
    ctx.zones = zoneSet(3); // another zone set (server.ts: zones given as a function)
    expect(dnsPacket.decode(answers(ctx, soa, through)).answers?.[0]).toMatchObject({ data: { serial: 3 } });
  });

  test("round robin keeps rotating a multi-record RRset: such an answer is never kept", () => {
    const ctx: AnswerContext = { zones: zoneSet(), logger, transport: "udp" };
    const through = new CachedUdpAnswers(1232, false, logger);
    const firsts = new Set<string>();
    for (let i = 0; i < 3; i++) firsts.add(JSON.stringify(dnsPacket.decode(answers(ctx, query("multi.pc.test", "A"), through)).answers?.[0]?.data));
    expect(firsts.size).toBe(3);
  });

  test("cookies: the server cookie is made for each client, never taken from the cache", () => {
    const peer = new QueryPeer();
    const ctx: AnswerContext = { zones: zoneSet(), logger, transport: "udp", peer, options: { cookies: createServerCookies({ now: () => 1_700_000_000 }) } };
    const through = new CachedUdpAnswers(1232, false, logger);
    const cookieOf = (address: string): string => {
      peer.setText(address);
      const reply = dnsPacket.decode(answers(ctx, query("www.pc.test", "A", 5, [{ code: 10, data: Buffer.alloc(8, 0x11) }]), through));
      const opt = reply.additionals?.find((r) => r.type === "OPT") as unknown as { options: { code: number; data: Buffer }[] };
      return (opt.options.find((o) => o.code === 10)?.data ?? Buffer.alloc(0)).toString("hex");
    };
    const a = cookieOf("192.0.2.1");
    expect(cookieOf("192.0.2.2")).not.toBe(a);
    expect(cookieOf("192.0.2.1")).toBe(a);
  });

  test("NSID answers are not kept (the identifier is the server's, and may change with its options)", () => {
    const ctx: AnswerContext = { zones: zoneSet(), logger, transport: "udp", options: { nsid: Buffer.from("one") } };
    const through = new CachedUdpAnswers(1232, false, logger);
    const nsidQuery = query("www.pc.test", "A", 1, [{ code: 3, data: Buffer.alloc(0) }]);
    expect(answers(ctx, nsidQuery, through).includes(Buffer.from("one"))).toBe(true);
    ctx.options = { nsid: Buffer.from("two") };
    expect(answers(ctx, nsidQuery, through).includes(Buffer.from("two"))).toBe(true);
    expect(logger.error).not.toHaveBeenCalled();
  });
});
