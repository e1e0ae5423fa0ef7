// A secondary with 2 DNS workers counts every query its workers answer in pdnsd_dns_queries_total.
import { createSocket } from "node:dgram";
import { dig, makeTempDir, removeTempDir, sleep, waitFor } from "@pdns-distribute/test-harness";
import type { Daemon } from "@pdns-distribute/test-harness";
import { startLoneSecondary } from "./lone-secondary";

/** A query for `name` of type A with id `id` (RFC 1035 §4.1.1/§4.1.2). */
function aQuery(id: number, name: string): Buffer {
  const labels = name.split(".").filter(Boolean);
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, qname, Buffer.from([0, 1, 0, 1])]);
}

/** Sends `count` A queries one after another from one UDP socket (its own source port) and waits for each answer. */
async function sendQueries(port: number, count: number): Promise<void> {
  const socket = createSocket("udp4");
  try {
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
        socket.once("message", () => {
          clearTimeout(timer);
          resolve();
        });
        socket.send(aQuery(i + 1, `q${i}.example.`), port, "127.0.0.1");
      });
    }
  } finally {
    socket.close();
  }
}

/** Sum of the `pdnsd_dns_queries_total` series whose labels include every one of `labels`. */
function queriesTotal(text: string, labels: string[]): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("pdnsd_dns_queries_total{") || !labels.every((l) => line.includes(l))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

describe("DNS query metrics with DNS workers", () => {
  let dir: string;
  let secondary: Daemon | undefined;

  beforeAll(async () => {
    dir = await makeTempDir("dns-worker-metrics");
  });
  afterAll(async () => {
    await secondary?.stop();
    await removeTempDir(dir);
  });

  test("queries answered by 2 workers over UDP and TCP are all counted", async () => {
    // No NATS and no zones: every query is answered REFUSED.
    const lone = await startLoneSecondary(dir, "metrics", "workers = 2\nrrl_responses_per_second = 0");
    secondary = lone.daemon;
    const { dnsPort, metricsPort } = lone;
    const scrape = async (): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return res.text();
    };
    await waitFor(async () => /pdnsd_dns_workers\{[^}]*\} 2\n/.test(await scrape().catch(() => "")), { timeoutMs: 20_000, what: "2 DNS workers" });

    // 40 source ports: the kernel spreads them over both workers' sockets.
    const sockets = 40;
    const perSocket = 10;
    await Promise.all(Array.from({ length: sockets }, () => sendQueries(dnsPort, perSocket)));
    expect((await dig({ server: "127.0.0.1", port: dnsPort, qname: "example.", qtype: "TXT" })).status).toBe("REFUSED");
    expect((await dig({ server: "127.0.0.1", port: dnsPort, qname: "example.", qtype: "SOA", tcp: true })).status).toBe("REFUSED");

    // Flushed before each scrape and every second: poll in case a worker was slow to answer the flush.
    const counted = await waitFor(
      async () => {
        const text = await scrape();
        const a = queriesTotal(text, ['qtype="A"', 'rcode="REFUSED"', 'transport="udp"']);
        return a >= sockets * perSocket && queriesTotal(text, ['qtype="SOA"', 'transport="tcp"']) >= 1 ? text : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, what: "all queries counted" },
    );
    expect(queriesTotal(counted, ['qtype="A"', 'rcode="REFUSED"', 'transport="udp"'])).toBe(sockets * perSocket);
    expect(queriesTotal(counted, ['qtype="TXT"', 'rcode="REFUSED"', 'transport="udp"'])).toBe(1);
    expect(queriesTotal(counted, ['qtype="SOA"', 'rcode="REFUSED"', 'transport="tcp"'])).toBe(1);
    expect(queriesTotal(counted, [])).toBe(sockets * perSocket + 2);
    // Nothing is counted twice: a later scrape (after more flushes) shows the same totals.
    await sleep(1500);
    expect(queriesTotal(await scrape(), [])).toBe(sockets * perSocket + 2);
    expect(secondary.logs()).not.toMatch(/"level":50/);
  });
});
