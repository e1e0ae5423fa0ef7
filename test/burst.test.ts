// Bursts: 1,000 concurrent registrations through the api-proxy across 10 zones; every secondary ends equal to
// the primary; the api-proxy combines the PATCHes of a zone that wait together into one (one event each), and
// coalescing keeps transfers per zone far below the number of changes. Combined PATCHes with a bad request among
// them: each request gets PowerDNS' own answer.
import { dig, startLocalCluster } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
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
    const proxyFrom = cluster.apiProxy.logLines().length;
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
    // One event per PATCH PowerDNS took; `requests` of them combined into it (its log lines are all read by now).
    // An event is logged "published" when acknowledged before the answer, else "stored in the outbox" (OUTBOX_STORE_AFTER_MS).
    const proxyLines = cluster.apiProxy.logLines().slice(proxyFrom);
    const published = [...logEntries(proxyLines, "zone event published"), ...logEntries(proxyLines, "zone event stored in the outbox, published from there")].filter((j) =>
      ZONES.includes(j.zone as string),
    );
    const combinedRequests = published.reduce((n, j) => n + ((j.requests as number) ?? 1), 0);
    const transfers = cluster.secondaries.map((s, k) => {
      const applied = logEntries(s.daemon.logLines().slice(from[k]), "zone event applied").filter((j) => ZONES.includes(j.zone as string));
      return { id: s.id, transfers: applied.length, events: applied.reduce((n, j) => n + ((j.events as number) ?? 1), 0) };
    });
    process.stdout.write(
      `burst: ${REGISTRATIONS} registrations (${retries} retries of 500s) in ${patchedMs} ms (${Math.round((REGISTRATIONS * 1000) / patchedMs)}/s) as ${published.length} PATCHes at PowerDNS; all secondaries agree after ${agreedMs} ms; ${JSON.stringify(transfers)}\n`,
    );
    expect(combinedRequests).toBe(REGISTRATIONS); // every registration in exactly one PATCH PowerDNS took
    expect(published.length).toBeLessThan(REGISTRATIONS); // 20 waiting at once across 10 zones: some combined
    // Coalescing folds the events that wait while a transfer runs (docs/scale.md).
    expect(retries).toBe(0); // [powerdns] max_concurrent_writes = 1 (the default): PowerDNS never saw two writes at once
    for (const t of transfers) {
      expect(t.events).toBeGreaterThanOrEqual(published.length); // every event reached every secondary
      expect(t.transfers).toBeLessThanOrEqual(t.events);
    }
  }, 240_000);

  test("concurrent PATCHes of one zone with bad ones among them: each gets PowerDNS' own answer, the good ones are served", async () => {
    const zone = ZONES[0] as string;
    const url = `${cluster.proxyUrl}/api/v1/servers/localhost/zones/${zone}`;
    const send = (rrsets: unknown[]) =>
      fetch(url, { method: "PATCH", headers: { "x-api-key": cluster.pdns.apiKey, "content-type": "application/json" }, body: JSON.stringify({ rrsets }) });
    const a = (name: string, ip: string) => ({ name: `${name}.${zone}`, type: "A", ttl: 60, changetype: "REPLACE", records: [{ content: ip, disabled: false }] });
    // A CNAME where a later request adds an A record (PowerDNS: conflicts with the CNAME), an A record that is no
    // address, a name outside the zone, among good ones; 5 rounds so that they wait together behind each other.
    const statuses: number[][] = [];
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([
        send([a(`ok1-${round}`, "192.0.2.1")]),
        send([{ name: `alias-${round}.${zone}`, type: "CNAME", ttl: 60, changetype: "REPLACE", records: [{ content: `ok1-${round}.${zone}`, disabled: false }] }]),
        send([a(`ok2-${round}`, "192.0.2.2")]),
        send([a(`alias-${round}`, "192.0.2.9")]),
        send([a(`bad-${round}`, "not-an-address")]),
        send([a(`ok3-${round}`, "192.0.2.3")]),
        send([{ ...a("x", "192.0.2.4"), name: `x-${round}.elsewhere.example.` }]),
        send([a(`ok4-${round}`, "192.0.2.4")]),
      ]);
      statuses.push(answers.map((r) => r.status));
    }
    for (const s of statuses) expect(s).toEqual([204, 204, 204, 422, 422, 204, 422, 204]);
    await expectConverged(cluster, 30_000);
    // Record for record like the primary (above); and what was asked for, as dig sees it on a secondary.
    const sec = cluster.secondaries[0] as LocalSecondary;
    for (let round = 0; round < 5; round++) {
      const at = (qname: string, qtype: string) => dig({ server: sec.address, port: sec.port, qname, qtype });
      expect((await at(`ok4-${round}.${zone}`, "A")).answer).toEqual([`ok4-${round}.${zone} 60 IN A 192.0.2.4`]);
      expect((await at(`alias-${round}.${zone}`, "A")).answer).toEqual([`alias-${round}.${zone} 60 IN CNAME ok1-${round}.${zone}`, `ok1-${round}.${zone} 60 IN A 192.0.2.1`]);
      expect((await at(`bad-${round}.${zone}`, "A")).status).toBe("NXDOMAIN");
    }
  }, 60_000);
});
