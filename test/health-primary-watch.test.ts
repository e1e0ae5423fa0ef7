// Changes made with pdnsutil (no API call, no event) reach every secondary within 60 s with the default settings:
// secure-zone, set-nsec3, a key added (rollover), a zone created and then deleted. Real pdns_server and secondaries.
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";

/** Default settings promise: a pdnsutil change is served everywhere within this long. */
const TARGET_MS = 60_000;

describe("health-checker primary watch: changes made outside the API", () => {
  let cluster: LocalCluster;
  // The cluster's health-checker runs with default [checks] and [dnssec] settings, but for the content audit: it
  // finds these changes too (none bumps the serial) and would bring some to the secondaries before the watch polls,
  // so the watch would see two phases' changes as one and announce fewer than this test counts.
  const noAudit = { extraToml: { "health-checker": "[checks]\ncontent_audit_interval_s = 0\n" } };
  beforeAll(async () => {
    cluster = await startLocalCluster(process.env.WATCH_DEBUG ? { ...noAudit, logLevel: "debug" } : noAudit);
    await cluster.healthChecker.waitForLog(/health-checker lock taken: acting/, 15_000);
  });
  afterAll(async () => {
    if (process.env.WATCH_DEBUG && cluster) process.stdout.write(cluster.healthChecker.logs().split("\n").filter((l) => !/heartbeat/.test(l)).join("\n"));
    await cluster?.stop();
  });

  const pdnsutil = async (...args: string[]) => {
    const r = await cluster.pdns.pdnsutil(args);
    expect({ args, code: r.code, stderr: r.code === 0 ? "" : r.stderr }).toEqual({ args, code: 0, stderr: "" });
  };
  /** Milliseconds from now until every secondary's answer to (qname, qtype) satisfies `ok`. */
  const timeUntilServed = async (qname: string, qtype: string, ok: (answer: string[], status: string) => boolean, what: string) => {
    const started = Date.now();
    await waitFor(
      async () => {
        for (const s of cluster.secondaries as LocalSecondary[]) {
          const r = await dig({ server: s.address, port: s.port, qname, qtype, dnssec: true });
          if (!ok(r.answer, r.status)) return false;
        }
        return true;
      },
      { timeoutMs: TARGET_MS + 15_000, intervalMs: 250, what },
    );
    return Date.now() - started;
  };
  const dnskeys = (answer: string[]) => answer.filter((l) => / IN DNSKEY /.test(l)).length;
  const checkerMetrics = () => fetch(`${cluster.healthCheckerUrl}/metrics`).then((r) => r.text());
  /** Polls the primary watch has made so far. */
  const watchPolls = async () => Number(/pdnsd_health_checks_total\{check="primary-watch",result="ok"[^}]*\} (\d+)/.exec(await checkerMetrics())?.[1] ?? 0);

  test("secure-zone, then set-nsec3, a key rollover and create-zone, then delete-zone: each served everywhere in < 60 s", async () => {
    const a = "watch-a.example.";
    const b = "watch-b.example.";
    const c = "watch-c.example.";
    for (const zone of [a, b]) {
      await cluster.api.createZone(zone, { nameservers: [`ns1.${zone}`], rrsets: [{ name: `www.${zone}`, type: "A", ttl: 300, records: ["192.0.2.7"] }] });
    }
    await timeUntilServed(b, "SOA", (ans) => ans.some((l) => / IN SOA /.test(l)), "zones created through the API");
    // Let the watch poll once with both zones there, unsigned: secure-zone is then a change of a known zone.
    const polls = await watchPolls();
    await waitFor(async () => (await watchPolls()) > polls, { timeoutMs: 40_000, intervalMs: 500, what: "a primary watch poll" });

    await pdnsutil("secure-zone", a);
    await pdnsutil("secure-zone", b);
    const secured = await timeUntilServed(b, "DNSKEY", (ans) => dnskeys(ans) >= 1, "DNSKEY of secured zones on every secondary");
    expect(await timeUntilServed(a, "DNSKEY", (ans) => dnskeys(ans) >= 1, "DNSKEY of a")).toBeLessThan(TARGET_MS);

    await pdnsutil("set-nsec3", a, "1 0 0 -");
    await pdnsutil("rectify-zone", a);
    await pdnsutil("add-zone-key", b, "zsk", "active", "ecdsa256");
    await pdnsutil("create-zone", c, `ns1.${c}`);
    await pdnsutil("add-record", c, "www", "A", "300", "192.0.2.9");
    const started = Date.now();
    const [nsec3, rollover, created] = await Promise.all([
      timeUntilServed(a, "NSEC3PARAM", (ans) => ans.some((l) => / IN NSEC3PARAM 1 0 0 -/.test(l)), "NSEC3PARAM after set-nsec3"),
      timeUntilServed(b, "DNSKEY", (ans) => dnskeys(ans) >= 2, "the added DNSKEY"),
      timeUntilServed(`www.${c}`, "A", (ans) => ans.some((l) => / IN A 192\.0\.2\.9$/.test(l)), "the zone created with pdnsutil"),
    ]);

    await pdnsutil("delete-zone", c);
    const deleted = await timeUntilServed(`www.${c}`, "A", (_ans, status) => status === "REFUSED", "the zone deleted with pdnsutil gone");
    const figures = { securedMs: secured, nsec3Ms: nsec3, rolloverMs: rollover, createdMs: created, deletedMs: deleted, secondPhaseMs: Date.now() - started - deleted };
    process.stdout.write(`primary watch pickup times: ${JSON.stringify(figures)}\n`);
    for (const ms of [secured, nsec3, rollover, created, deleted]) expect(ms).toBeLessThan(TARGET_MS);
    // Announced by the watch, for every secondary: secure-zone ×2, set-nsec3 and the new key; the new zone.
    const metrics = await checkerMetrics();
    expect(metrics).toMatch(/pdnsd_health_resyncs_total\{secondary="\*",type="zone.modified",check="primary-watch"[^}]*\} [4-9]/);
    expect(metrics).toMatch(/pdnsd_health_resyncs_total\{secondary="\*",type="zone.add",check="primary-watch"[^}]*\} [1-9]/);
  });
});
