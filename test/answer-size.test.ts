// Answer sizes against Knot DNS: RDATA names compressed as RFC 3597 §4 allows make our answers no larger than Knot's.

import { createSocket } from "node:dgram";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as dnsPacket from "dns-packet";
import { parseZoneText, readMessageAnswers } from "@pdns-distribute/dns";
import { compileZone, createZoneSet, startDnsServer } from "@pdns-distribute/answer";
import type { DnsServer } from "@pdns-distribute/answer";
import { makeTempDir, removeTempDir, startKnot } from "@pdns-distribute/test-harness";
import type { Knot } from "@pdns-distribute/test-harness";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** One record line in the absolute form both our parser and Knot read. */
const rr = (owner: string, type: string, rdata: string): string => `${owner} 3600 IN ${type} ${rdata}`;

const ZONES = [
  {
    origin: "example.com.",
    text: [
      rr("example.com.", "SOA", "ns1.example.com. hostmaster.example.com. 2026120701 7200 3600 1209600 300"),
      rr("example.com.", "NS", "ns1.example.com."),
      rr("example.com.", "NS", "ns2.example.com."),
      rr("ns1.example.com.", "A", "192.0.2.53"),
      rr("ns2.example.com.", "A", "198.51.100.53"),
      ...range(10).map((i) => rr("example.com.", "MX", `${i * 10} mx${i}.example.com.`)),
      ...range(10).flatMap((i) => [rr(`mx${i}.example.com.`, "A", `192.0.2.${i}`), rr(`mx${i}.example.com.`, "AAAA", `2001:db8::${i}`)]),
      ...range(13).map((i) => rr("sub.example.com.", "NS", `ns${i}.sub.example.com.`)),
      ...range(13).flatMap((i) => [rr(`ns${i}.sub.example.com.`, "A", `203.0.113.${i}`), rr(`ns${i}.sub.example.com.`, "AAAA", `2001:db8:53::${i}`)]),
      rr("ext.example.com.", "NS", "ns1.provider.net."),
      rr("ext.example.com.", "NS", "ns2.provider.net."),
      rr("ext.example.com.", "NS", "ns3.provider.org."),
      rr("www.example.com.", "CNAME", "web.example.com."),
      rr("web.example.com.", "A", "192.0.2.80"),
      rr("out.example.com.", "MX", "10 mail1.provider.net."),
      rr("out.example.com.", "MX", "20 mail2.provider.net."),
      rr("alias.example.com.", "CNAME", "target.provider.net."),
      // MB (RFC 1035 §3.3.3) in the generic form: Knot does not know the mnemonic.
      rr("mbox.example.com.", "TYPE7", "\\# 17 036d7831076578616d706c6503636f6d00"),
    ].join("\n"),
  },
  {
    origin: "example.net.",
    text: [
      rr("example.net.", "SOA", "dns1.provider.org. admin.provider.org. 7 7200 3600 1209600 300"),
      rr("example.net.", "NS", "dns1.provider.org."),
      rr("example.net.", "NS", "dns2.provider.org."),
    ].join("\n"),
  },
  {
    origin: "2.0.192.in-addr.arpa.",
    text: [
      rr("2.0.192.in-addr.arpa.", "SOA", "ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300"),
      rr("2.0.192.in-addr.arpa.", "NS", "ns1.example.com."),
      ...range(5).map((i) => rr(`${i}.2.0.192.in-addr.arpa.`, "PTR", `host${i}.example.com.`)),
    ].join("\n"),
  },
];

interface SizeQuery {
  qname: string;
  qtype: string;
  /** EDNS UDP payload size, or null for a plain (512-octet) query. */
  edns: number | null;
}

const QUERIES: SizeQuery[] = [
  { qname: "example.com", qtype: "SOA", edns: null },
  { qname: "example.com", qtype: "MX", edns: 1232 },
  { qname: "x.sub.example.com", qtype: "A", edns: 1232 },
  { qname: "example.com", qtype: "NS", edns: 1232 },
  { qname: "host.ext.example.com", qtype: "A", edns: 1232 },
  { qname: "www.example.com", qtype: "A", edns: 1232 },
  { qname: "out.example.com", qtype: "MX", edns: 1232 },
  { qname: "alias.example.com", qtype: "A", edns: 1232 },
  { qname: "mbox.example.com", qtype: "MB", edns: 1232 },
  { qname: "nope.example.com", qtype: "A", edns: 1232 },
  { qname: "example.net", qtype: "SOA", edns: 1232 },
  { qname: "example.net", qtype: "NS", edns: 1232 },
  { qname: "3.2.0.192.in-addr.arpa", qtype: "PTR", edns: 1232 },
  { qname: "2.0.192.in-addr.arpa", qtype: "SOA", edns: 1232 },
  // Plain queries: how many additional records fit in 512 octets (RFC 1035 §4.2.1).
  { qname: "example.com", qtype: "MX", edns: null },
  { qname: "x.sub.example.com", qtype: "A", edns: null },
];

function queryWire(q: SizeQuery, id: number): Buffer {
  const msg = dnsPacket.encode({
    type: "query",
    id,
    questions: [{ name: q.qname, type: "A" }],
    additionals: q.edns === null ? [] : [{ type: "OPT", name: ".", udpPayloadSize: q.edns } as dnsPacket.Answer],
  });
  // QTYPE patched in: dns-packet lacks some mnemonics (MB).
  const qtypeAt = 12 + Buffer.byteLength(q.qname) + 2;
  const numbers: Record<string, number> = { A: 1, NS: 2, SOA: 6, MB: 7, PTR: 12, MX: 15 };
  msg.writeUInt16BE(numbers[q.qtype] ?? 0, qtypeAt);
  return msg;
}

/** One UDP exchange on loopback. */
function ask(port: number, wire: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no answer from port ${port}`));
    }, 5000);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(wire, port, "127.0.0.1");
  });
}

/**
 * The records of a decoded message as sorted lines (names lower-cased, OPT left out). The answer section is read by
 * our decoder, which decompresses every RFC 1035 type (dns-packet leaves MB as raw octets).
 */
function records(msg: Buffer): { rcode: string; tc: boolean; sections: string[][] } {
  const d = dnsPacket.decode(msg);
  const lines = (rs: dnsPacket.Answer[] | undefined): string[] =>
    (rs ?? []).filter((r) => r.type !== "OPT").map((r) => `${r.name.toLowerCase()} ${r.type} ${JSON.stringify((r as { data?: unknown }).data)}`).sort();
  const answers = readMessageAnswers(msg).answers.map((r) => `${r.owner.join(".")} ${r.type} ${r.ttl} ${r.rdata.toString("hex")}`).sort();
  return { rcode: d.rcode ?? "", tc: d.flag_tc === true, sections: [answers, lines(d.authorities), lines(d.additionals)] };
}

describe("answer sizes against Knot DNS (RFC 3597 §4 RDATA compression)", () => {
  let dir: string;
  let knot: Knot;
  let engine: DnsServer;
  const sizes: { query: string; knot: number; ours: number; knotAdditional: number; oursAdditional: number }[] = [];
  const pairs = new Map<string, { ref: Buffer; ours: Buffer }>();

  beforeAll(async () => {
    dir = await makeTempDir("size");
    const files: string[] = [];
    for (const [i, zone] of ZONES.entries()) {
      const file = join(dir, `s${i}.zone`);
      await writeFile(file, zone.text + "\n");
      files.push(file);
    }
    knot = await startKnot({ zones: ZONES.map((z, i) => ({ origin: z.origin, file: files[i] as string })) });
    const compiled = ZONES.map((z) => compileZone(z.origin, parseZoneText(z.text)));
    const logger = { warn: () => undefined, error: () => undefined, debug: () => undefined };
    engine = await startDnsServer({ address: "127.0.0.1", port: 0, zones: createZoneSet(compiled), logger });
    for (const [i, q] of QUERIES.entries()) {
      const wire = queryWire(q, i + 1);
      const [ref, ours] = await Promise.all([ask(knot.port, wire), ask(engine.address().port, wire)]);
      const key = `${q.qname} ${q.qtype} ${q.edns === null ? "plain" : `edns ${q.edns}`}`;
      pairs.set(key, { ref, ours });
      const add = (m: Buffer): number => m.readUInt16BE(10);
      sizes.push({ query: key, knot: ref.length, ours: ours.length, knotAdditional: add(ref), oursAdditional: add(ours) });
    }
    if (process.env.SIZE_DUMP === "1") console.table(sizes);
  });

  afterAll(async () => {
    await engine?.close();
    await knot?.stop();
    if (dir !== undefined) await removeTempDir(dir);
  });

  test.each(QUERIES.map((q) => `${q.qname} ${q.qtype} ${q.edns === null ? "plain" : `edns ${q.edns}`}`))("%s: no larger than Knot's answer", (key) => {
    const pair = pairs.get(key);
    if (pair === undefined) throw new Error(`no answer for ${key}`);
    expect(pair.ours.length).toBeLessThanOrEqual(pair.ref.length);
  });

  test.each(QUERIES.filter((q) => q.edns !== null).map((q) => `${q.qname} ${q.qtype} edns ${q.edns}`))("%s: the same records as Knot", (key) => {
    const pair = pairs.get(key);
    if (pair === undefined) throw new Error(`no answer for ${key}`);
    expect(records(pair.ours)).toEqual(records(pair.ref));
  });

  test("plain 512-octet answers carry at least as many additional records as Knot's", () => {
    for (const s of sizes.filter((x) => x.query.endsWith("plain"))) {
      expect(s.ours).toBeLessThanOrEqual(512);
      expect(s.oursAdditional).toBeGreaterThanOrEqual(s.knotAdditional);
    }
  });
});
