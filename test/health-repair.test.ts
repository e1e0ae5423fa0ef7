// Health-checker with real servers: a secondary that missed events (even lost from the stream) or whose SQLite
// was altered behind its back is found and repaired by targeted resyncs; a stopped one is inactive and left alone.
import { createRequire } from "node:module";
import { join } from "node:path";
import { ZONE_EVENT_STREAM, connectNats, createLogger, natsConfigSchema, secondaryConsumerName } from "@pdns-distribute/core";
import type { HealthStatus } from "@pdns-distribute/core";
import { daemonCli, dig, httpGetJson, runCommand, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";

// Client libraries live in the packages, not at the root: load them from there.
const fromPkg = (pkg: string) => createRequire(join(__dirname, "..", "packages", pkg, "package.json"));
const Database = fromPkg("test-harness")("better-sqlite3") as typeof import("better-sqlite3");
const { jetstreamManager } = fromPkg("health-checker")("@nats-io/jetstream") as typeof import("@nats-io/jetstream");

const CHECKER_TOML = "[checks]\nperiodic_interval_s = 2\nevent_check_delay_s = 1\nrequest_timeout_ms = 2000\n\n[lock]\nttl_s = 3\n";

async function soaSerial(sec: LocalSecondary, zone: string): Promise<number | undefined> {
  const r = await dig({ server: sec.address, port: sec.port, qname: zone, qtype: "SOA" });
  const line = r.answer.find((l) => / IN SOA /.test(l));
  return line ? Number(line.split(/\s+/)[6]) : undefined;
}

async function answers(sec: LocalSecondary, qname: string, qtype: string): Promise<string[]> {
  return (await dig({ server: sec.address, port: sec.port, qname, qtype })).answer;
}

/** Waits until the secondary serves exactly the primary's serial for each zone (undefined: not served). */
async function expectConverged(cluster: LocalCluster, sec: LocalSecondary, zones: string[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      for (const zone of zones) {
        const primary = await dig({ server: cluster.pdns.dnsHost, port: cluster.pdns.dnsPort, qname: zone, qtype: "SOA" });
        const line = primary.answer.find((l) => / IN SOA /.test(l));
        const want = line ? Number(line.split(/\s+/)[6]) : undefined;
        if ((await soaSerial(sec, zone)) !== want) return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 200, what: `${sec.id} converges on ${zones.join(", ")}` },
  );
}

async function status(cluster: LocalCluster): Promise<HealthStatus> {
  const r = await httpGetJson(`${cluster.healthCheckerUrl}/status`);
  return r?.body as HealthStatus;
}

const zone = (i: number) => `hc${i}.example.`;

describe("health-checker repairs secondaries", () => {
  let cluster: LocalCluster;
  const zones = [1, 2, 3, 4, 5].map(zone);

  beforeAll(async () => {
    cluster = await startLocalCluster({ extraToml: { "health-checker": CHECKER_TOML } });
    for (const z of zones.slice(0, 3)) {
      await cluster.api.createZone(z, {
        nameservers: [`ns1.${z}`],
        rrsets: [{ name: `www.${z}`, type: "A", ttl: 300, records: ["192.0.2.1"] }],
      });
    }
    for (const sec of cluster.secondaries) await expectConverged(cluster, sec, zones);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("a stopped secondary is inactive and left alone; after restart it converges though the stream lost its events", async () => {
    const [sec1, sec2] = cluster.secondaries as [LocalSecondary, LocalSecondary];
    // A periodic check during the set-up may have found sec2 a step behind and resynced it: count from here.
    const resyncsBefore = (await status(cluster)).secondaries.find((s) => s.id === sec2.id)?.resyncs ?? 0;
    const from = cluster.healthChecker.lineCount();
    await sec2.daemon.stop();
    await cluster.healthChecker.waitForLog((_l, j) => j?.msg === "secondary inactive (missed heartbeats)" && j.secondary === sec2.id, 10_000, from);
    await cluster.api.createZone(zone(4), { nameservers: [`ns1.${zone(4)}`] });
    await cluster.api.patchRRset(zone(1), { name: `www.${zone(1)}`, type: "A", ttl: 300, records: ["192.0.2.77"], changetype: "REPLACE" });
    await cluster.api.deleteZone(zone(2));
    await expectConverged(cluster, sec1, zones);
    // The stream forgets everything sec2 missed, and its durable consumer is gone too.
    const nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("test", "silent"));
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(ZONE_EVENT_STREAM, secondaryConsumerName(sec2.id));
    await jsm.streams.purge(ZONE_EVENT_STREAM);
    await nc.close();
    // Two periodic checks while it is away: it is listed inactive and nothing is sent to it.
    await cluster.healthChecker.waitForLog(/periodic check done/, 10_000, cluster.healthChecker.lineCount());
    await cluster.healthChecker.waitForLog(/periodic check done/, 10_000, cluster.healthChecker.lineCount());
    const away = (await status(cluster)).secondaries.find((s) => s.id === sec2.id);
    expect(away).toMatchObject({ active: false, resyncs: resyncsBefore });
    const lines = cluster.healthChecker.logLines();
    const whileAway = lines.slice(Math.max(0, lines.length - (cluster.healthChecker.lineCount() - from))).join("\n");
    expect(whileAway).not.toMatch(new RegExp(`"secondary":"${sec2.id}","check":"periodic"`));

    const back = cluster.healthChecker.lineCount();
    await sec2.restart();
    await cluster.healthChecker.waitForLog((_l, j) => j?.msg === "secondary active" && j.secondary === sec2.id, 10_000, back);
    await expectConverged(cluster, sec2, zones);
    expect(await answers(sec2, `www.${zone(1)}`, "A")).toEqual([`www.${zone(1)} 300 IN A 192.0.2.77`]);
    const repaired = (await status(cluster)).secondaries.find((s) => s.id === sec2.id);
    expect(repaired?.active).toBe(true);
    expect(repaired?.resyncs).toBeGreaterThanOrEqual(resyncsBefore + 3); // add hc4, modify hc1, delete hc2
  });

  test("SQLite altered behind a secondary's back (record changed, zone deleted, serial lowered) is repaired", async () => {
    const sec1 = cluster.secondaries[0] as LocalSecondary;
    await sec1.daemon.stop();
    const db = new Database(sec1.dbPath);
    db.prepare("UPDATE zones SET zone_text = replace(zone_text, '192.0.2.1', '198.51.100.66') WHERE name = ?").run(zone(3));
    expect(db.prepare("DELETE FROM zones WHERE name = ?").run(zone(4)).changes).toBe(1);
    db.prepare("UPDATE zones SET serial = serial - 5 WHERE name = ?").run(zone(1));
    db.prepare("UPDATE zone_changes SET serial = serial - 5 WHERE name = ?").run(zone(1)); // its logged changes too
    db.close();
    const from = cluster.healthChecker.lineCount();
    await sec1.restart();
    await cluster.healthChecker.waitForLog((_l, j) => j?.msg === "targeted resyncs published" && j.secondary === sec1.id, 15_000, from);
    await expectConverged(cluster, sec1, zones);
    expect(await answers(sec1, `www.${zone(3)}`, "A")).toEqual([`www.${zone(3)} 300 IN A 192.0.2.1`]);
    expect(await answers(sec1, `www.${zone(1)}`, "A")).toEqual([`www.${zone(1)} 300 IN A 192.0.2.77`]);
  });

  test("status over NATS (CLI table and JSON), HTTP /status and metrics", async () => {
    await waitFor(
      async () => (await status(cluster)).secondaries.every((s) => s.active && s.inSync === 3 && s.outdated === 0 && s.missing === 0 && s.extra === 0),
      { timeoutMs: 10_000, intervalMs: 200, what: "all secondaries in sync in /status" },
    );
    const cli = daemonCli("health-checker");
    const table = await runCommand("node", [cli, "status", "--config", cluster.healthCheckerConfigFile]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/SECONDARY\s+ACTIVE\s+LAST HEARTBEAT/);
    expect(table.stdout).toMatch(/sec1\s+yes\s+\d+s ago\s+3\s+3\s+0\s+0\s+0/);
    const json = await runCommand("node", [cli, "status", "--json", "--config", cluster.healthCheckerConfigFile]);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: "health.status", leader: true, primary: { zones: 3 } });
    const metrics = await fetch(`${cluster.healthCheckerUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/pdnsd_health_leader\{[^}]*\} 1/);
    expect(metrics).toMatch(/pdnsd_health_digest_comparisons_total\{[^}]*result="match"[^}]*\} \d+/);
    expect(metrics).toMatch(/pdnsd_health_resyncs_total\{[^}]*secondary="sec2"/);
  });
});
