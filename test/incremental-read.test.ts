// Incremental reads end to end: PATCHes through the api-proxy are read by the zone-provider RRset by RRset (the
// events name them and their serials chain), every secondary ends byte for byte equal to a full AXFR render, and a
// broken chain (a change made outside the api-proxy) or a signed zone is read in full and still arrives.
import { pdnsApi, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";
import { diffWithPrimary, expectConverged, logEntries } from "./faults-util";

const ZONE = "inc.example.";
const SIGNED = "signed-inc.example.";
const RECORDS = 5_000;

/** The zone-provider's "zone read from the primary" log entries for `zone` from line `from` on. */
const readsOf = (cluster: LocalCluster, zone: string, from: number) =>
  logEntries(cluster.zoneProvider.logLines().slice(from), "zone read from the primary").filter((e) => e.zone === zone);

/** Value of one zone-provider metric sample (0 when absent). */
async function providerMetric(cluster: LocalCluster, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${cluster.zoneProviderMetricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

type Patch = { name: string; type: string; ttl?: number; changetype: "REPLACE" | "DELETE"; records: string[] };

describe("incremental reads of the primary", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      secondaryDnsToml: "rrl_responses_per_second = 0",
      // No content audit: a pdnsutil change before its serial bump is rightly resynced in full by it, and that read
      // would start the serial chain the pdnsutil test expects broken.
      extraToml: { "health-checker": "[checks]\ncontent_audit_interval_s = 0\n" },
    });
    const rrsets = Array.from({ length: RECORDS }, (_, i) => ({ name: `host-${i}.${ZONE}`, type: "A", ttl: 300, records: [`10.0.${i >> 8}.${i & 255}`] }));
    await cluster.api.createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets });
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Sends `patches` as one PATCH through the api-proxy and waits until every secondary holds what PowerDNS has. */
  const patchAndConverge = async (patches: Patch[]) => {
    await cluster.api.request("PATCH", `/zones/${ZONE}`, { rrsets: patches.map((p) => ({ ttl: 300, ...p, records: p.records.map((content) => ({ content, disabled: false })) })) });
    await expectConverged(cluster);
  };

  test("PATCHes through the api-proxy (new names, removals, TTLs, wildcards, a delegation with glue) are read incrementally; secondaries equal a full render", async () => {
    await patchAndConverge([{ name: `new-1.${ZONE}`, type: "A", changetype: "REPLACE", records: ["192.0.2.1"] }]); // first read after the create may be full
    const from = cluster.zoneProvider.logLines().length;
    const before = await providerMetric(cluster, "pdnsd_zone_primary_reads_total", 'kind="incremental"');
    const steps: Patch[][] = [
      [{ name: `new-2.${ZONE}`, type: "AAAA", changetype: "REPLACE", records: ["2001:db8::2"] }],
      [{ name: `host-7.${ZONE}`, type: "A", changetype: "DELETE", records: [] }],
      [{ name: `host-8.${ZONE}`, type: "A", ttl: 60, changetype: "REPLACE", records: ["10.0.0.8", "10.0.0.88"] }],
      [{ name: `*.wild.${ZONE}`, type: "TXT", changetype: "REPLACE", records: ['"any \\"thing\\""'] }],
      [
        { name: `sub.${ZONE}`, type: "NS", changetype: "REPLACE", records: [`ns.sub.${ZONE}`] },
        { name: `ns.sub.${ZONE}`, type: "A", changetype: "REPLACE", records: ["192.0.2.53"] },
      ],
      [{ name: `host-9.${ZONE}`, type: "MX", changetype: "REPLACE", records: [`10 mail.${ZONE}`] }],
    ];
    for (const step of steps) await patchAndConverge(step);
    expect(await diffWithPrimary(cluster)).toEqual([]); // every secondary's text is the AXFR render, byte for byte
    const reads = readsOf(cluster, ZONE, from);
    expect(reads.length).toBeGreaterThanOrEqual(steps.length);
    expect(reads.filter((r) => r.read !== "incremental")).toEqual([]);
    expect((await providerMetric(cluster, "pdnsd_zone_primary_reads_total", 'kind="incremental"')) - before).toBeGreaterThanOrEqual(steps.length);
    const ms = reads.map((r) => r.ms as number);
    process.stdout.write(`incremental reads of a ${RECORDS}-record zone, ms: ${ms.join(", ")}\n`);
  });

  test("a change made with pdnsutil between two API changes breaks the serial chain: a full read, and it arrives", async () => {
    await cluster.pdns.pdnsutil(["replace-rrset", ZONE, `outside.${ZONE}`, "TXT", "300", '"made with pdnsutil"']);
    await cluster.pdns.pdnsutil(["increase-serial", ZONE]);
    const from = cluster.zoneProvider.logLines().length;
    await patchAndConverge([{ name: `after-pdnsutil.${ZONE}`, type: "A", changetype: "REPLACE", records: ["192.0.2.77"] }]);
    const reads = readsOf(cluster, ZONE, from);
    expect(reads[0]).toMatchObject({ read: "full" });
    expect(["serial-chain-broken", "serial-not-bumped-by-one"]).toContain(reads[0]?.reason);
    expect(await diffWithPrimary(cluster)).toEqual([]); // the pdnsutil record is on every secondary
    const from2 = cluster.zoneProvider.logLines().length;
    await patchAndConverge([{ name: `again.${ZONE}`, type: "A", changetype: "REPLACE", records: ["192.0.2.78"] }]);
    expect(readsOf(cluster, ZONE, from2).map((r) => r.read)).toContain("incremental"); // the chain starts again
  });

  test("a change whose event the zone-provider never saw (made on PowerDNS directly) forces a full read", async () => {
    const direct = pdnsApi(cluster.pdns);
    await direct.patchRRset(ZONE, { name: `unseen.${ZONE}`, type: "A", ttl: 300, changetype: "REPLACE", records: ["192.0.2.99"] });
    const from = cluster.zoneProvider.logLines().length;
    await patchAndConverge([{ name: `after-unseen.${ZONE}`, type: "A", changetype: "REPLACE", records: ["192.0.2.100"] }]);
    expect(readsOf(cluster, ZONE, from)[0]).toMatchObject({ read: "full", reason: "serial-chain-broken" });
    expect(await diffWithPrimary(cluster)).toEqual([]);
  });

  test("a signed zone is always read in full", async () => {
    await cluster.api.createZone(SIGNED, { nameservers: [`ns1.${SIGNED}`], rrsets: [{ name: `www.${SIGNED}`, type: "A", ttl: 300, records: ["192.0.2.1"] }] });
    await cluster.pdns.pdnsutil(["secure-zone", SIGNED]);
    await cluster.pdns.pdnsutil(["rectify-zone", SIGNED]);
    await cluster.api.patchRRset(SIGNED, { name: `www.${SIGNED}`, type: "A", ttl: 300, changetype: "REPLACE", records: ["192.0.2.2"] });
    await expectConverged(cluster);
    const from = cluster.zoneProvider.logLines().length;
    for (const ip of ["192.0.2.3", "192.0.2.4"]) {
      await cluster.api.patchRRset(SIGNED, { name: `www.${SIGNED}`, type: "A", ttl: 300, changetype: "REPLACE", records: [ip] });
      await expectConverged(cluster);
    }
    await waitFor(async () => readsOf(cluster, SIGNED, from).length >= 2, { timeoutMs: 5000, what: "two reads of the signed zone" });
    const reads = readsOf(cluster, SIGNED, from);
    expect(reads.every((r) => r.read === "full")).toBe(true);
    expect(reads.map((r) => r.reason)).toContain("signed");
    expect(await diffWithPrimary(cluster)).toEqual([]);
  });
});
