// A running secondary under abuse and inspection: RRL cuts a UDP flood from one prefix to the configured rate
// while another client is answered, TCP connections per client prefix are capped, and the secondary's config,
// database and process hold no DNSSEC private key, no PowerDNS API key and no zone-provider secret key.
import dgram from "node:dgram";
import { readFileSync, readdirSync } from "node:fs";
import net from "node:net";
import { basename, dirname } from "node:path";
import * as dnsPacket from "dns-packet";
import { dig, sleep, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { createZone, expectConverged } from "./faults-util";

const RATE = 20;
const FLOOD_SECONDS = 2;
const FLOOD_QPS = 1000; // bounded: FLOOD_SECONDS × FLOOD_QPS = 2,000 queries in all
const ZONE = "rrl.test.";
const SIGNED = "keys.test.";

describe("security: a secondary under abuse and inspection", () => {
  let cluster: LocalCluster;
  let sec: LocalSecondary;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      secondaryAddresses: ["127.0.0.2"],
      secondaryDnsToml: `rrl_responses_per_second = ${RATE}\nrrl_slip = 2\nrrl_window = 5\nmax_tcp_connections_per_client = 4`,
    });
    sec = cluster.secondaries[0] as LocalSecondary;
    await createZone(cluster.api, ZONE, [{ name: `www.${ZONE}`, type: "A", ttl: 300, records: ["192.0.2.80"] }]);
    await createZone(cluster.api, SIGNED);
    await cluster.api.request("POST", `/zones/${SIGNED}/cryptokeys`, { keytype: "csk", active: true });
    await expectConverged(cluster);
    await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: SIGNED, qtype: "DNSKEY" })).answer.length > 0, {
      timeoutMs: 15_000,
      what: "DNSKEY served",
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("RRL: a flood from 127.0.0.9 gets about the rate (plus TC slips); 127.0.1.10 keeps being answered", async () => {
    const query = (id: number) => dnsPacket.encode({ type: "query", id, flags: 0, questions: [{ name: `www.${ZONE}`, type: "A", class: "IN" }] });
    const counters = { full: 0, tc: 0 };
    const flooder = dgram.createSocket("udp4");
    await new Promise<void>((r) => flooder.bind({ address: "127.0.0.9", port: 0 }, r));
    flooder.on("message", (msg) => {
      if ((msg[2] as number) & 0x02) counters.tc++;
      else counters.full++;
    });
    const other = dgram.createSocket("udp4");
    await new Promise<void>((r) => other.bind({ address: "127.0.1.10", port: 0 }, r));
    let otherAnswered = 0;
    other.on("message", (msg) => {
      const r = dnsPacket.decode(msg);
      if (!((msg[2] as number) & 0x02) && r.answers?.length === 1) otherAnswered++;
    });

    // 1,000 queries/s for 2 s in batches of 50 every 50 ms; the other client asks 5 times a second.
    const started = Date.now();
    let sent = 0;
    let otherSent = 0;
    while (Date.now() - started < FLOOD_SECONDS * 1000 && sent < FLOOD_SECONDS * FLOOD_QPS) {
      for (let i = 0; i < FLOOD_QPS / 20; i++) flooder.send(query(sent++ & 0xffff), sec.port, sec.address);
      if (sent % 200 === 0) {
        other.send(query(otherSent++), sec.port, sec.address);
      }
      await sleep(50);
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(300);
    flooder.close();
    other.close();
    // eslint-disable-next-line no-console
    console.log(`RRL: ${sent} queries in ${seconds.toFixed(2)} s from 127.0.0.9 → ${counters.full} answers, ${counters.tc} TC; other client ${otherAnswered}/${otherSent}`);
    // Answers: one second's burst plus the rate over the flood, nothing more.
    expect(counters.full).toBeLessThanOrEqual(RATE * (seconds + 1) + 2);
    expect(counters.full).toBeGreaterThanOrEqual(RATE);
    // Slip 2: about every second limited response comes back truncated, so a real client would retry over TCP.
    const limited = sent - counters.full;
    expect(counters.tc).toBeGreaterThan(limited * 0.4);
    expect(counters.tc).toBeLessThan(limited * 0.6);
    expect(otherAnswered).toBe(otherSent);
    // Over TCP the flooding client is still answered (no rate limit there).
    const tcp = await dig({ server: sec.address, port: sec.port, qname: `www.${ZONE}`, qtype: "A", tcp: true, extra: ["-b", "127.0.0.9"] });
    expect(tcp.answer).toEqual([`www.${ZONE} 300 IN A 192.0.2.80`]);
  });

  test("TCP: at most 4 connections per client prefix (/24: a neighbour's address does not help); other prefixes still get in", async () => {
    const open = (local: string) =>
      new Promise<{ socket: net.Socket; closed: () => boolean }>((resolve) => {
        let closed = false;
        const socket = net.connect({ host: sec.address, port: sec.port, localAddress: local }, () => resolve({ socket, closed: () => closed }));
        socket.on("close", () => (closed = true));
        // A refused connection may be reset before this client saw its connect complete (a busy machine):
        // that is still "closed by the server", which the expectations below check.
        socket.on("error", () => {
          closed = true;
          resolve({ socket, closed: () => closed });
        });
      });
    const mine = [];
    for (let i = 0; i < 6; i++) mine.push(await open("127.0.0.21"));
    const neighbour = await open("127.0.0.22"); // same /24
    const stranger = await open("127.0.1.22");
    await sleep(300);
    expect(mine.map((c) => c.closed())).toEqual([false, false, false, false, true, true]);
    expect(neighbour.closed()).toBe(true);
    expect(stranger.closed()).toBe(false);
    for (const c of [...mine, neighbour, stranger]) c.socket.destroy();
  });

  test("the secondary's config, database and process hold no DNSSEC private key, PowerDNS API key or signing secret", async () => {
    const keys = (await cluster.api.request("GET", `/zones/${SIGNED}/cryptokeys`)) as Array<{ id: number }>;
    expect(keys.length).toBeGreaterThan(0);
    const secrets: Array<[string, Buffer]> = [["PowerDNS API key", Buffer.from(cluster.pdns.apiKey)]];
    for (const { id } of keys) {
      const key = (await cluster.api.request("GET", `/zones/${SIGNED}/cryptokeys/${id}`)) as { privatekey: string };
      const b64 = /PrivateKey:\s*(\S+)/.exec(key.privatekey)?.[1] as string;
      secrets.push([`DNSSEC private key ${id} (base64)`, Buffer.from(b64)], [`DNSSEC private key ${id} (raw)`, Buffer.from(b64, "base64")]);
    }
    const signingSecret = readFileSync(cluster.secretKeyFile, "utf8").trim();
    const raw = Buffer.from(signingSecret, "base64");
    secrets.push(["zone-provider secret key (base64)", Buffer.from(signingSecret)], ["zone-provider seed (raw)", raw.subarray(0, 32)]);

    // Everything the secondary has: its config, its SQLite files (database, WAL, SHM), its environment and arguments.
    const dbName = basename(sec.dbPath);
    const places: Array<[string, Buffer]> = [["config", readFileSync(sec.configFile)]];
    for (const f of readdirSync(dirname(sec.dbPath)).filter((n) => n.startsWith(dbName))) places.push([f, readFileSync(`${dirname(sec.dbPath)}/${f}`)]);
    places.push(["environment", readFileSync(`/proc/${sec.daemon.pid}/environ`)], ["command line", readFileSync(`/proc/${sec.daemon.pid}/cmdline`)]);
    expect(places.length).toBeGreaterThanOrEqual(3);
    // The data is really there (the signed zone's DNSKEY and RRSIGs are stored)…
    expect(places.some(([, b]) => b.includes("RRSIG"))).toBe(true);
    // …but none of the secrets, in any form.
    const found = places.flatMap(([where, bytes]) => secrets.filter(([, s]) => bytes.includes(s)).map(([what]) => `${what} in ${where}`));
    expect(found).toEqual([]);
    expect(readFileSync(sec.configFile, "utf8")).not.toMatch(/private_key|api_key|secret/i);
  });
});
