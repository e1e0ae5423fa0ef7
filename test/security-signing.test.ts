// Signing keys with real daemons: rotation with two trusted keys without a gap (trust both → switch the
// zone-provider → drop the old key), and afterwards data signed with the old key is refused.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { QUEUE_GROUPS, SUBJECTS, connectNats, createLogger, decodeMessage, encodeMessage, natsConfigSchema, readKeyFile, signZone, zoneDataRequestSchema } from "@pdns-distribute/core";
import type { NatsConnection } from "@pdns-distribute/core";
import { daemonCli, runCommand, startLocalCluster } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { createZone, expectConverged, logEntries, servedSerial, setVersion } from "./faults-util";

const CTL = resolve(__dirname, "..", "packages", "ctl", "dist", "cli.js");

describe("security: signing key rotation", () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  /** Every log line of every secondary process, across restarts. */
  const secondaryLogs: string[] = [];
  /** The zone-provider's key before the rotation. */
  let oldSecret: Uint8Array;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("test", "silent"));
    for (const z of ["rot-a.test.", "rot-b.test."]) await createZone(cluster.api, z);
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
  });

  /** Rewrites the [signing] keys of a secondary's config and restarts it; it serves its stored zones at once. */
  async function trust(sec: LocalSecondary, files: string[]): Promise<void> {
    const text = readFileSync(sec.configFile, "utf8").replace(/^public_key_files? = .*$/m, `public_key_files = ${JSON.stringify(files)}`);
    writeFileSync(sec.configFile, text);
    secondaryLogs.push(...sec.daemon.logLines());
    await sec.restart();
    const keys = logEntries(sec.daemon.logLines(), "trusted zone-signing keys")[0]?.keys as string[];
    expect(keys).toHaveLength(files.length);
    expect(logEntries(sec.daemon.logLines(), "stored zones loaded")[0]?.zones).toBe(2);
    for (const z of ["rot-a.test.", "rot-b.test."]) expect(await servedSerial(sec, z)).toBeGreaterThan(0);
  }

  test("old + new trusted → provider switches → old removed: changes flow at every step, nothing rejected", async () => {
    const oldPub = cluster.publicKeyFile;
    const next = join(cluster.dir, "zone-signing-next");
    const keygen = await runCommand("node", [daemonCli("zone-provider"), "keygen", "--out", next]);
    expect(keygen.code).toBe(0);

    // 1. Every secondary trusts both keys (one at a time: the others keep answering meanwhile).
    for (const sec of cluster.secondaries) await trust(sec, [oldPub, `${next}.pub`]);
    await setVersion(cluster.api, "rot-a.test.", "both-trusted");
    await expectConverged(cluster);

    // 2. The zone-provider signs with the new key (installed in place of the old one, as in docs/security.md).
    oldSecret = readKeyFile(cluster.secretKeyFile, 64);
    writeFileSync(cluster.secretKeyFile, readFileSync(`${next}.key`), { mode: 0o600 });
    await cluster.restartDaemon("zone-provider");
    await setVersion(cluster.api, "rot-a.test.", "new-key");
    // A zone that did not change is fetched again so its stored copy carries the new key's signature.
    const resync = await runCommand("node", [CTL, "-s", cluster.nats.url, "resync", "rot-b.test."]);
    expect(resync.code).toBe(0);
    await expectConverged(cluster);
    for (const sec of cluster.secondaries) {
      await sec.daemon.waitForLog((_l, j) => j?.msg === "zone event applied" && j.zone === "rot-b.test.", 15_000);
    }

    // 3. The old key is no longer trusted; stored zones still verify at start-up and changes keep flowing.
    for (const sec of cluster.secondaries) await trust(sec, [`${next}.pub`]);
    await setVersion(cluster.api, "rot-a.test.", "old-key-gone");
    await setVersion(cluster.api, "rot-b.test.", "old-key-gone");
    await expectConverged(cluster);

    const all = [...secondaryLogs, ...cluster.secondaries.flatMap((s) => s.daemon.logLines())];
    expect(logEntries(all, "zone event rejected")).toEqual([]);
    expect(logEntries(all, "zone-data reply does not verify (forged or replayed?); asking again")).toEqual([]);
    expect(logEntries(all, "stored zone not served: it does not verify or parse")).toEqual([]);
  });

  test("after the rotation, correctly bound data signed with the old key is refused", async () => {
    // A responder holding the retired key answers each request correctly bound (fresh nonce, right requester).
    await cluster.zoneProvider.stop();
    const sub = nc.subscribe(SUBJECTS.zoneData, { queue: QUEUE_GROUPS.zoneProvider });
    void (async () => {
      for await (const m of sub) {
        const req = decodeMessage(zoneDataRequestSchema, m.data, "request");
        const text = `${req.zone} 3600 IN SOA ns1.${req.zone} h.${req.zone} 4000000000 1 1 1 1\n`;
        const b = { nonce: req.nonce ?? "", requester: req.requester ?? "" };
        m.respond(encodeMessage(signZone(req.zone, 4_000_000_000, text, oldSecret, Date.now(), b)));
      }
    })();
    const marks = cluster.secondaries.map((s) => s.daemon.lineCount());
    await runCommand("node", [CTL, "-s", cluster.nats.url, "resync", "rot-a.test."]);
    for (const [i, sec] of cluster.secondaries.entries()) {
      // Refused, and asked for again later (a retired key's data is never applied, the event never final).
      const line = await sec.daemon.waitForLog((_l, j) => j?.msg === "zone sync failed, will retry" && j.zone === "rot-a.test." && j.code === "PDNSD_ZONE_SIGNATURE_INVALID", 15_000, marks[i]);
      expect(line).toContain("PDNSD_ZONE_SIGNATURE_INVALID");
      expect(await servedSerial(sec, "rot-a.test.")).toBeLessThan(4_000_000_000);
    }
    sub.unsubscribe();
    await cluster.restartDaemon("zone-provider");
  });
});
