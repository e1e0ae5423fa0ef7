// Large zones: a zone whose signed reply exceeds NATS' max_payload goes through the object store and is served.
import { readFileSync } from "node:fs";
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";

const ZONE = "big.example.";
const RECORDS = 60_000;

/** Resident set size of a process, MiB (Linux /proc). */
function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

describe("large zones through the object store", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test(`a ${RECORDS}-record zone (> 1 MiB of zone text) reaches both secondaries and is answered, other zones all along`, async () => {
    // A small zone served all along: the large one is compiled on the secondaries' compile thread, so their DNS
    // answers go on meanwhile (before, one event loop did both and a query could time out).
    const SMALL = "small.example.";
    await cluster.api.createZone(SMALL, { nameservers: [`ns1.${SMALL}`], rrsets: [{ name: `www.${SMALL}`, type: "A", ttl: 60, records: ["192.0.2.80"] }] });
    for (const sec of cluster.secondaries) {
      await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: `www.${SMALL}`, qtype: "A" })).answer.length > 0, { timeoutMs: 15_000, what: `${sec.id} serves ${SMALL}` });
    }
    let probing = true;
    const probeFailures: string[] = [];
    let probes = 0;
    let slowestProbeMs = 0;
    const probe = (async () => {
      while (probing) {
        for (const sec of cluster.secondaries) {
          const started = Date.now();
          const r = await dig({ server: sec.address, port: sec.port, qname: `www.${SMALL}`, qtype: "A" }).catch((err: Error) => err);
          probes++;
          slowestProbeMs = Math.max(slowestProbeMs, Date.now() - started);
          if (r instanceof Error || !r.answer.some((l) => l.includes("192.0.2.80"))) probeFailures.push(`${sec.id}: ${r instanceof Error ? r.message : r.status}`);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const rrsets = Array.from({ length: RECORDS }, (_, i) => ({
      name: `host-${i}.${ZONE}`,
      type: "A",
      ttl: 300,
      records: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    }));
    const t0 = Date.now();
    await cluster.api.createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets });
    const createdMs = Date.now() - t0;
    const last = RECORDS - 1;
    const want = `host-${last}.${ZONE} 300 IN A 10.${(last >> 16) & 255}.${(last >> 8) & 255}.${last & 255}`;
    for (const sec of cluster.secondaries) {
      const answered = async () => (await dig({ server: sec.address, port: sec.port, qname: `host-${last}.${ZONE}`, qtype: "A" })).answer.includes(want);
      await waitFor(async () => answered().catch(() => false), {
        timeoutMs: 45_000,
        intervalMs: 200,
        what: `${sec.id} answers the last record of the large zone`,
      });
    }
    const servedMs = Date.now() - t0 - createdMs;
    probing = false;
    await probe;
    expect(probeFailures).toEqual([]);
    expect(probes).toBeGreaterThan(10);
    // The large zone went through the compile thread (no fallback to the main thread).
    for (const sec of cluster.secondaries) expect(sec.daemon.logs()).not.toContain("zone not compiled off the main thread");
    // It went by reference: the zone-provider stored the text in the object store.
    const line = await cluster.zoneProvider.waitForLog((_l, j) => j?.msg === "zone text stored in the object store", 1000);
    const stored = JSON.parse(line) as Record<string, unknown>;
    expect(stored?.bytes as number).toBeGreaterThan(1024 * 1024);
    for (const sec of cluster.secondaries) {
      const r = await dig({ server: sec.address, port: sec.port, qname: `host-12345.${ZONE}`, qtype: "A" });
      expect(r.status).toBe("NOERROR");
      expect(r.answer).toContain(`host-12345.${ZONE} 300 IN A 10.0.48.57`);
    }
    const applied = cluster.secondaries.map((s) => s.daemon.logLines().find((l) => l.includes('"zone event applied"') && l.includes(ZONE)) ?? "");
    process.stdout.write(`${applied.join("\n")}\n`);
    const rss = cluster.secondaries.map((s) => `${s.id} ${rssMiB(s.daemon.pid)} MiB`).join(", ");
    // Figures for docs/scale.md.
    process.stdout.write(`large zone: ${RECORDS} records, ${stored?.bytes as number} bytes of zone text; API create ${createdMs} ms, then served by both secondaries after ${servedMs} ms; RSS ${rss}; ${probes} probes of another zone meanwhile, slowest ${slowestProbeMs} ms\n`);
  });
});
