// Bursts: 1,000 concurrent registrations through the api-proxy across 10 zones; every secondary ends equal to
// the primary, and coalescing keeps transfers per zone far below the number of changes.
import { startLocalCluster } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";
import { createZone, expectConverged, logEntries, runPool } from "./faults-util";

const ZONES = Array.from({ length: 10 }, (_, i) => `burst${i}.example.`);
const REGISTRATIONS = 1000;
const CONCURRENCY = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("burst of registrations", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    for (const zone of ZONES) await createZone(cluster.api, zone);
    await expectConverged(cluster, 30_000);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test(`${REGISTRATIONS} A records added with concurrency ${CONCURRENCY} are all served, with few transfers`, async () => {
    const from = cluster.secondaries.map((s) => s.daemon.logLines().length);
    let retries = 0;
    const t0 = Date.now();
    await runPool(REGISTRATIONS, CONCURRENCY, async (i) => {
      const zone = ZONES[i % ZONES.length] as string;
      const change = { name: `host-${i}.${zone}`, type: "A", ttl: 60, changetype: "REPLACE" as const, records: [`10.0.${i >> 8}.${i & 255}`] };
      // PowerDNS' sqlite backend answers 500 "database is locked" under concurrent writes: a client retries (the
      // api-proxy's write gate queues the writes, so none should be needed).
      for (let attempt = 1; ; attempt++) {
        try {
          return await cluster.api.patchRRset(zone, change);
        } catch (err) {
          if (attempt >= 40 || !/ 500 /.test((err as Error).message)) throw err;
          retries++;
          await sleep(Math.min(500, 10 * attempt) + Math.floor(Math.random() * 50));
        }
      }
    });
    const patchedMs = Date.now() - t0;
    await expectConverged(cluster, 60_000); // record for record, and the served SOA serial
    const agreedMs = Date.now() - t0;
    const transfers = cluster.secondaries.map((s, k) => {
      const applied = logEntries(s.daemon.logLines().slice(from[k]), "zone event applied").filter((j) => ZONES.includes(j.zone as string));
      return { id: s.id, transfers: applied.length, events: applied.reduce((n, j) => n + ((j.events as number) ?? 1), 0) };
    });
    process.stdout.write(
      `burst: ${REGISTRATIONS} registrations (${retries} retries of 500s) in ${patchedMs} ms (${Math.round((REGISTRATIONS * 1000) / patchedMs)}/s); all secondaries agree after ${agreedMs} ms; ${JSON.stringify(transfers)}\n`,
    );
    // Coalescing folds the events that wait while a transfer runs (docs/scale.md).
    expect(retries).toBe(0); // [powerdns] max_concurrent_writes = 1 (the default): PowerDNS never saw two writes at once
    for (const t of transfers) {
      expect(t.events).toBeGreaterThanOrEqual(REGISTRATIONS);
      expect(t.transfers).toBeLessThanOrEqual(t.events);
    }
  }, 240_000);
});
