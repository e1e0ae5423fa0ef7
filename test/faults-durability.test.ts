// Fault tests with real processes: durable replay after downtime, coalescing, SIGKILL during apply, SIGTERM drain,
// PowerDNS down. Every test ends with every secondary equal to the primary, record for record.
import { SUBJECTS, connectNats, createLogger, natsConfigSchema, decodeMessage, encodeMessage, readKeyFile, verifySignedZone, zoneDataReplySchema } from "@pdns-distribute/core";
import type { SignedZone } from "@pdns-distribute/core";
import { parseZoneText } from "@pdns-distribute/dns";
import { sleep, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { storedZoneReader } from "@pdns-distribute/secondary-syncer";
import { Database, createZone, js, expectConverged, logEntries, runPool, servedSerial, setVersion } from "./faults-util";

/** The secondaries' consumer ack wait (secondary-syncer config.ts ACK_WAIT_MS, docs/durability.md), ms. */
const ACK_WAIT_MS = 60_000;

/**
 * The stored version of `zone` must be whole: its base with every logged change applied (as the secondary reads it
 * at start-up) verifies, parses, and its serial and ver TXT agree.
 */
function checkStoredWhole(sec: LocalSecondary, zone: string, publicKey: Uint8Array, base: number): number {
  const db = new Database(sec.dbPath, { readonly: true, fileMustExist: true });
  try {
    const signed: SignedZone | undefined = storedZoneReader(db).get(zone);
    if (!signed) return -1;
    // The envelope as stored (version 1, 2, or 3 with its LtHash16 state), read as the secondary reads it.
    verifySignedZone(signed, publicKey);
    const records = parseZoneText(signed.zoneText);
    const ver = records.find((r) => r.name === `ver.${zone}` && r.type === "TXT");
    expect(Number(ver?.rdata.replace(/"/g, ""))).toBe(signed.serial - base);
    expect(records.filter((r) => r.type === "A").length).toBe(1001); // ns1 + 1000 hosts: never a partial zone
    return signed.serial;
  } finally {
    db.close();
  }
}

describe("faults: durability", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({ logLevel: "info" });
    for (const z of ["d1.test.", "d2.test.", "d3.test.", "d4.test."]) await createZone(cluster.api, z);
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("a secondary offline replays what it missed, in order (modify, delete, re-create at a lower serial)", async () => {
    const sec = cluster.secondaries[1] as LocalSecondary;
    for (let i = 1; i <= 3; i++) await setVersion(cluster.api, "d3.test.", i); // d3 held at serial +3
    await expectConverged(cluster);
    await sec.daemon.stop();
    for (let i = 1; i <= 5; i++) await setVersion(cluster.api, "d1.test.", i);
    await cluster.api.deleteZone("d2.test.");
    await cluster.api.deleteZone("d3.test.");
    await createZone(cluster.api, "d3.test."); // serial restarts lower than the one sec2 holds
    await createZone(cluster.api, "d5.test.");
    await sec.restart();
    await expectConverged(cluster, 30_000);
  });

  test("rapid events for one zone are coalesced: one transfer brings the newest version", async () => {
    const sec = cluster.secondaries[0] as LocalSecondary;
    await sec.daemon.stop();
    for (let i = 1; i <= 30; i++) await setVersion(cluster.api, "d4.test.", `c${i}`);
    const from = 0;
    await sec.restart();
    await expectConverged(cluster, 30_000);
    const applied = logEntries(sec.daemon.logLines().slice(from), "zone event applied").filter((j) => j.zone === "d4.test.");
    const events = applied.reduce((n, j) => n + Number(j.events ?? 1), 0);
    expect(events).toBeGreaterThanOrEqual(30);
    expect(applied.length).toBeLessThanOrEqual(3);
  });

  test("SIGKILL during applies of a 1,000-host zone: after restart the zone is old or new, whole, never a mix", async () => {
    const zone = "big.test.";
    const hosts = Array.from({ length: 1000 }, (_, i) => ({ name: `h${i}.${zone}`, type: "A", ttl: 300, records: [`10.0.${i >> 8}.${i & 255}`] }));
    await createZone(cluster.api, zone, hosts);
    await expectConverged(cluster, 30_000);
    const base = (await servedSerial(cluster.secondaries[0] as LocalSecondary, zone)) as number;
    const publicKey = readKeyFile(cluster.publicKeyFile, 32);
    const sec = cluster.secondaries[0] as LocalSecondary;
    let version = 0;
    const writer = (async () => {
      for (let i = 0; i < 60; i++) await setVersion(cluster.api, zone, ++version);
    })();
    for (let k = 0; k < 4; k++) {
      await sleep(150 + Math.floor(Math.random() * 250));
      sec.daemon.kill("SIGKILL");
      await sec.daemon.exited();
      const held = checkStoredWhole(sec, zone, publicKey, base);
      await sec.restart();
      // Served at once from SQLite, the same whole version.
      const served = await servedSerial(sec, zone);
      expect(served).toBeGreaterThanOrEqual(held);
    }
    await writer;
    // Events the killed process had taken and not acked come back only after the consumer's ack wait
    // (docs/durability.md); when the writer finished before the last restart, nothing newer arrives meanwhile.
    await expectConverged(cluster, ACK_WAIT_MS + 30_000);
    checkStoredWhole(sec, zone, publicKey, base);
  }, ACK_WAIT_MS + 180_000);

  test("SIGTERM drains: the apply in progress finishes and the process exits within 5 s", async () => {
    const sec = cluster.secondaries[1] as LocalSecondary;
    const burst = runPool(20, 4, (i) => setVersion(cluster.api, "d1.test.", `t${i}`));
    await sec.daemon.waitForLog((_l, j) => j?.msg === "zone event applied" && j.zone === "d1.test.", 10_000, sec.daemon.lineCount());
    const t0 = Date.now();
    const code = await sec.daemon.stop("SIGTERM", 10_000);
    const ms = Date.now() - t0;
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
    expect(sec.daemon.logs()).toMatch(/"msg":"stopped"/);
    await burst;
    await sec.restart();
    await expectConverged(cluster, 30_000);
  });

  test("PowerDNS down: api-proxy 502 JSON, zone-provider clear error, syncers retry with backoff and keep serving", async () => {
    const before = await Promise.all(cluster.secondaries.map((s) => servedSerial(s, "d1.test.")));
    const lines = cluster.secondaries.map((s) => s.daemon.lineCount());
    await cluster.pdns.daemon.stop();

    const res = await fetch(`${cluster.proxyUrl}/api/v1/servers/localhost/zones/d1.test.`, { headers: { "X-API-Key": cluster.pdns.apiKey } });
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(/PowerDNS API unreachable/);

    const nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("test", "silent"));
    try {
      const reply = await nc.request(SUBJECTS.zoneData, encodeMessage({ type: "zone.data.request", version: 1, zone: "d1.test." }), { timeout: 5000 });
      const answer = decodeMessage(zoneDataReplySchema, reply.data, "reply");
      expect(answer).toMatchObject({ type: "error", code: "PDNSD_AXFR_FAILED" });
      expect((answer as { message: string }).message).toMatch(/cannot read it from the primary/);
      // An event while the primary is down (as after a change whose AXFR is not possible yet).
      await js.jetstream(nc).publish(SUBJECTS.zoneModified, encodeMessage({ type: "zone.modified", version: 1, id: `pd-${Date.now()}`, zone: "d1.test.", time: new Date().toISOString() }));
    } finally {
      await nc.close();
    }
    for (const [i, sec] of cluster.secondaries.entries()) {
      // The retries of d1, by delivery attempt: another event for d1 (a resync, a redelivery left from the SIGTERM
      // test) may fail beside this one, each with its own attempt count, so the delays are compared by attempt.
      const retries = () => logEntries(sec.daemon.logLines().slice(lines[i]), "zone sync failed, will retry").filter((j) => j.zone === "d1.test.");
      const delayByAttempt = () => new Map(retries().map((j) => [Number(j.attempt), Number(j.retryInMs)]));
      await waitFor(() => retries().length >= 3 && delayByAttempt().size >= 2, { timeoutMs: 15_000, what: `${sec.id} retries` });
      const delays = [...delayByAttempt()].sort((a, b) => a[0] - b[0]).map(([, ms]) => ms);
      for (let k = 1; k < delays.length; k++) expect(delays[k]).toBeGreaterThan(delays[k - 1] as number); // backoff grows
      expect(await servedSerial(sec, "d1.test.")).toBe(before[i]); // still serving
      expect(sec.daemon.running()).toBe(true);
    }
    await cluster.pdns.restart();
    await setVersion(cluster.api, "d1.test.", "after-pdns");
    await expectConverged(cluster, 30_000);
  });
});
