// Bad input with real servers: malformed, oversized and unknown events and unparsable zone data are rejected with a
// log line (and counted); forged zone data and a replayed old zone are never applied and are asked for again (a
// rate-limited alert and a metric), never final; never a crash, never blocking; an invalid config names the key
// and exits 1 before doing anything.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  QUEUE_GROUPS,
  SUBJECTS,
  connectNats,
  createLogger,
  decodeMessage,
  encodeMessage,
  generateKeyPair,
  natsConfigSchema,
  readKeyFile,
  signZone,
  zoneDataReplySchema,
  zoneDataRequestSchema,
} from "@pdns-distribute/core";
import type { NatsConnection, SignedZone } from "@pdns-distribute/core";
import { daemonCli, runCommand, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";
import { createZone, expectConverged, js, logEntries, servedSerial, setVersion } from "./faults-util";

const SOA = (zone: string, serial: number) => `${zone} 3600 IN SOA ns1.${zone} hostmaster.${zone} ${serial} 10800 3600 604800 3600`;

describe("faults: bad input", () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("test", "silent"));
    for (const z of ["ok.test.", "replay.test."]) await createZone(cluster.api, z);
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  test("poison events and forged/old/unparsable zone data are rejected or retried, logged, never applied and do not block", async () => {
    // An old, correctly signed version of replay.test., then two newer ones everywhere.
    // (bound to a request of its own: replayed later, its nonce is not the one the secondary sent)
    const replayReq = { type: "zone.data.request", version: 1, zone: "replay.test.", nonce: "old-nonce-0123456789", requester: "sec1" };
    const reply = await nc.request(SUBJECTS.zoneData, encodeMessage(replayReq), { timeout: 5000 });
    const old = decodeMessage(zoneDataReplySchema, reply.data, "reply") as SignedZone;
    await setVersion(cluster.api, "replay.test.", 1);
    await setVersion(cluster.api, "replay.test.", 2);
    await expectConverged(cluster);
    const held = old.serial + 2;

    // A hostile zone-provider takes the real one's place.
    await cluster.zoneProvider.stop();
    const secret = readKeyFile(cluster.secretKeyFile, 64);
    // Forgeries answer the request they get (its nonce), so each is refused for what it forges.
    type Bound = { nonce: string; requester: string };
    const forged: Record<string, (b: Bound) => SignedZone> = {
      "badsig.test.": (b) => ({ ...signZone("badsig.test.", 5, `${SOA("badsig.test.", 5)}\n`, secret, Date.now(), b), signature: Buffer.alloc(64, 7).toString("base64") }),
      "otherkey.test.": (b) => signZone("otherkey.test.", 5, `${SOA("otherkey.test.", 5)}\n`, generateKeyPair().secretKey, Date.now(), b),
      "garbage.test.": (b) => signZone("garbage.test.", 5, "this is not a zone\n", secret, Date.now(), b),
      "outside.test.": (b) => signZone("outside.test.", 5, `${SOA("outside.test.", 5)}\nwww.example.com. 60 IN A 192.0.2.1\n`, secret, Date.now(), b),
      "replay.test.": () => old,
    };
    const sub = nc.subscribe(SUBJECTS.zoneData, { queue: QUEUE_GROUPS.zoneProvider });
    void (async () => {
      for await (const m of sub) {
        const req = decodeMessage(zoneDataRequestSchema, m.data, "request");
        const make = forged[req.zone];
        const b = { nonce: req.nonce ?? "", requester: req.requester ?? "" };
        m.respond(encodeMessage(make ? make(b) : { type: "error", version: 1, code: "PDNSD_AXFR_FAILED", message: "fake" }));
      }
    })();

    const lines = cluster.secondaries.map((s) => s.daemon.lineCount());
    const jsc = js.jetstream(nc);
    const event = (zone: string, extra: Record<string, unknown> = {}) =>
      encodeMessage({ type: "zone.modified", version: 1, id: `bad-${zone}-${Math.random()}`, zone, time: new Date().toISOString(), ...extra });
    await jsc.publish(SUBJECTS.zoneModified, Buffer.from("{not json"));
    await jsc.publish(SUBJECTS.zoneModified, event("big.test.", { pad: "x".repeat(100 * 1024) })); // oversized
    await jsc.publish(SUBJECTS.zoneModified, encodeMessage({ type: "zone.rename", version: 1, id: "u1", zone: "ok.test.", time: "now" }));
    await jsc.publish(SUBJECTS.zoneAdd, encodeMessage({ type: "zone.add", version: 2, id: "v2", zone: "ok.test.", time: "now" }));
    for (const zone of Object.keys(forged)) await jsc.publish(SUBJECTS.zoneModified, event(zone));

    for (const [i, sec] of cluster.secondaries.entries()) {
      const mine = () => sec.daemon.logLines().slice(lines[i]);
      // 4 malformed events + 2 zones signed by the trusted key but unparsable: rejected for good.
      await waitFor(() => logEntries(mine(), "zone event rejected").length >= 6, { timeoutMs: 15_000, what: `${sec.id} rejections` });
      const codes = logEntries(mine(), "zone event rejected").map((j) => `${String(j.zone ?? "-")} ${String(j.code)}`);
      expect(codes.filter((c) => c.endsWith("PDNSD_MESSAGE_INVALID"))).toHaveLength(4);
      expect(codes).toEqual(expect.arrayContaining(["garbage.test. PDNSD_ZONE_TEXT_INVALID", "outside.test. PDNSD_ZONE_TEXT_INVALID"]));
      // 2 forgeries + the replayed old reply (its nonce is not this request's): not the zone-provider's answer to
      // this request, so asked for again (3 requests per delivery), then retried later; never terminated.
      const retried = () => new Set(logEntries(mine(), "zone sync failed, will retry").map((j) => `${String(j.zone)} ${String(j.code)}`));
      await waitFor(() => retried().size >= 3, { timeoutMs: 15_000, what: `${sec.id} retries of forged replies` });
      expect([...retried()]).toEqual(
        expect.arrayContaining(["badsig.test. PDNSD_ZONE_SIGNATURE_INVALID", "otherkey.test. PDNSD_ZONE_SIGNATURE_INVALID", "replay.test. PDNSD_ZONE_REPLAYED"]),
      );
      expect(codes.filter((c) => /SIGNATURE_INVALID|REPLAYED/.test(c))).toEqual([]);
      // Alerted: an error line per code (rate-limited: one per code every 10 s)…
      const alerts = logEntries(mine(), "zone-data reply does not verify (forged or replayed?); asking again");
      expect(new Set(alerts.map((j) => j.code))).toEqual(new Set(["PDNSD_ZONE_SIGNATURE_INVALID", "PDNSD_ZONE_REPLAYED"]));
      expect(alerts.length).toBeLessThanOrEqual(4);
      expect(sec.daemon.running()).toBe(true);
      // …and counted: the Prometheus counters by code and by outcome.
      const metrics = await (await fetch(`${sec.metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(/pdnsd_zone_events_rejected_total\{code="PDNSD_MESSAGE_INVALID"[^}]*\} 4/);
      expect(metrics).toMatch(/pdnsd_zone_events_rejected_total\{code="PDNSD_ZONE_TEXT_INVALID"[^}]*\} 2/);
      const unverified = (code: string) => Number(new RegExp(`pdnsd_zone_replies_unverified_total\\{code="${code}"[^}]*\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      expect(unverified("PDNSD_ZONE_SIGNATURE_INVALID")).toBeGreaterThanOrEqual(6); // 2 zones × 3 requests
      expect(unverified("PDNSD_ZONE_REPLAYED")).toBeGreaterThanOrEqual(3);
      expect(await servedSerial(sec, "replay.test.")).toBe(held); // the old version did not replace the newer
      for (const zone of ["badsig.test.", "otherkey.test.", "garbage.test.", "outside.test."]) expect(await servedSerial(sec, zone)).toBeUndefined();
    }

    // The real zone-provider is back: later changes flow, nothing is stuck behind the poison (the forged zones'
    // retries now get its signed "not found"; replay.test. its current version).
    sub.unsubscribe();
    await cluster.restartDaemon("zone-provider");
    await setVersion(cluster.api, "ok.test.", "after-poison");
    await expectConverged(cluster, 30_000);
  });

  test("an invalid api-proxy outbox setting names the key and exits 1 before creating anything", async () => {
    const conf = join(cluster.dir, "bad-proxy.toml");
    const db = join(cluster.dir, "never-created", "outbox.sqlite3");
    await writeFile(conf, `[outbox]\ndatabase = "${db}"\nmax_retry_delay_ms = 10\n`);
    const res = await runCommand("node", [daemonCli("api-proxy"), "--config", conf]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/outbox\.max_retry_delay_ms/);
    expect(existsSync(db)).toBe(false);
  });
});
