// Health-checker with real servers: one checker acts while a second stands by and takes over when the KV lock
// expires; DNSSEC upkeep resyncs signed zones and (when enabled) switches NSEC zones to NSEC3.
import { readFile, writeFile } from "node:fs/promises";
import type { HealthStatus } from "@pdns-distribute/core";
import { daemonCli, dig, freePort, httpGetJson, spawnDaemon, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { Daemon, LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";

const CHECKER_TOML =
  "[checks]\nperiodic_interval_s = 2\nevent_check_delay_s = 1\n\n[lock]\nttl_s = 3\n\n" +
  "[dnssec]\ncheck_interval_s = 2\nnsec3_convert = true\n";

const leaderOf = async (url: string): Promise<boolean | undefined> => ((await httpGetJson(`${url}/status`))?.body as HealthStatus | undefined)?.leader;
const lockTaken = (_l: string, j: Record<string, unknown> | undefined) => j?.msg === "health-checker lock taken: acting";

describe("health-checker: single active instance, DNSSEC upkeep", () => {
  let cluster: LocalCluster;
  let second: Daemon | undefined;
  let secondUrl = "";

  beforeAll(async () => {
    cluster = await startLocalCluster({ secondaryAddresses: ["127.0.0.2"], extraToml: { "health-checker": CHECKER_TOML } });
  });
  afterAll(async () => {
    await second?.stop();
    await cluster?.stop();
  });

  test("a second checker stands by, takes over when the lock expires, and stands by again for the restarted first", async () => {
    await cluster.healthChecker.waitForLog(lockTaken, 10_000);
    const port = await freePort("127.0.0.1");
    const conf = `${cluster.healthCheckerConfigFile}.second.toml`;
    const text = await readFile(cluster.healthCheckerConfigFile, "utf8");
    await writeFile(conf, text.replace(/listen_port = \d+/, `listen_port = ${port}`));
    secondUrl = `http://127.0.0.1:${port}`;
    second = spawnDaemon({ name: "health-checker-2", command: ["node", daemonCli("health-checker"), "--config", conf] });
    await second.waitForLog(/health-checker ready/, 20_000);
    await second.waitForLog(/periodic check done|lock/, 4_000).then(
      () => undefined,
      () => undefined,
    );
    expect(await leaderOf(cluster.healthCheckerUrl)).toBe(true);
    expect(await leaderOf(secondUrl)).toBe(false);
    expect(second.logs()).not.toMatch(/lock taken/);

    // The first dies without releasing: the second takes over once the key ages out (ttl 3 s).
    const killedAt = Date.now();
    cluster.healthChecker.kill("SIGKILL");
    await second.waitForLog(lockTaken, 10_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(8_000);
    await second.waitForLog(/periodic check done/, 10_000);

    // The first comes back and stands by; a clean stop of the second hands over at once.
    const first = await cluster.restartDaemon("health-checker");
    await new Promise((r) => setTimeout(r, 2_000));
    expect(first.logs()).not.toMatch(/lock taken/);
    expect(await leaderOf(cluster.healthCheckerUrl)).toBe(false);
    const stoppedAt = Date.now();
    await second.stop();
    await first.waitForLog(lockTaken, 5_000);
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    second = undefined;
  });

  test("a zone signed behind the secondaries' back gets its RRSIGs to them, then is switched to NSEC3", async () => {
    const sec = cluster.secondaries[0] as LocalSecondary;
    const zone = "signed.example.";
    await cluster.api.createZone(zone, { nameservers: [`ns1.${zone}`], rrsets: [{ name: `www.${zone}`, type: "A", ttl: 300, records: ["192.0.2.5"] }] });
    // Signed with pdnsutil: no API call, so no event reaches the secondaries.
    expect((await cluster.pdns.pdnsutil(["secure-zone", zone])).code).toBe(0);
    await waitFor(
      async () => {
        const r = await dig({ server: sec.address, port: sec.port, qname: `www.${zone}`, qtype: "A", dnssec: true });
        return r.answer.some((l) => / IN RRSIG A /.test(l));
      },
      { timeoutMs: 20_000, intervalMs: 250, what: "secondary serves RRSIGs of the signed zone" },
    );
    // nsec3_convert: PowerDNS gets NSEC3PARAM and the secondary serves NSEC3 denial.
    await waitFor(
      async () => {
        const r = await dig({ server: sec.address, port: sec.port, qname: zone, qtype: "NSEC3PARAM", dnssec: true });
        return r.answer.some((l) => / IN NSEC3PARAM 1 0 0 -/.test(l));
      },
      { timeoutMs: 20_000, intervalMs: 250, what: "secondary serves NSEC3PARAM" },
    );
    const z = (await cluster.api.getZone(zone)) as unknown as { nsec3param: string };
    expect(z.nsec3param).toBe("1 0 0 -");
    const metrics = await fetch(`${cluster.healthCheckerUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/pdnsd_health_nsec3_conversions_total\{[^}]*result="ok"[^}]*\} 1/);
    expect(metrics).toMatch(/pdnsd_health_dnssec_resyncs_total\{[^}]*\} [1-9]/);
  });
});
