// Incremental transfer end to end: a one-record change in a large zone travels as a small signed delta, every
// secondary ends record-for-record equal to the primary, and a zone-provider without the base sends the full zone.
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { diffWithPrimary, expectConverged, logEntries } from "./faults-util";

const ZONE = "delta.example.";
const RECORDS = 5_000;
/** `,"lthashState":"…"` in a reply: the 2048-byte LtHash16 state in base64 (2,732 characters) and its key. */
const LTHASH_STATE_JSON_BYTES = 2732 + 17;

/** Value of one Prometheus sample (0 when absent). */
async function metric(sec: LocalSecondary, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${sec.metricsUrl}/metrics`)).text();
  // Every sample also carries the registry's default label (daemon="secondary-syncer").
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Adds `host` with `ip` through the api-proxy and waits until every secondary answers it. */
async function addHost(cluster: LocalCluster, host: string, ip: string): Promise<void> {
  await cluster.api.patchRRset(ZONE, { name: `${host}.${ZONE}`, type: "A", ttl: 300, changetype: "REPLACE", records: [ip] });
  for (const sec of cluster.secondaries) {
    await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: `${host}.${ZONE}`, qtype: "A" })).answer.some((l) => l.endsWith(ip)), {
      timeoutMs: 20_000,
      what: `${sec.id} answers ${host}`,
    });
  }
}

/** The zone-provider's "zone data served" log entries for ZONE from line `from` on. */
const served = (cluster: LocalCluster, from: number) =>
  logEntries(cluster.zoneProvider.logLines().slice(from), "zone data served").filter((e) => e.zone === ZONE);

describe("incremental transfer", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      secondaryDnsToml: "rrl_responses_per_second = 0",
      // No content audit: its AXFRs (one zone every 3 s) would count in PowerDNS' tcp-queries, which the read-ahead test reads.
      extraToml: { "health-checker": "[checks]\ncontent_audit_interval_s = 0\n" },
    });
    const rrsets = Array.from({ length: RECORDS }, (_, i) => ({ name: `host-${i}.${ZONE}`, type: "A", ttl: 300, records: [`10.0.${i >> 8}.${i & 255}`] }));
    await cluster.api.createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets });
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("a one-record change in a 5,000-record zone reaches every secondary as a delta under 2 KB (besides the LtHash16 state, sent once)", async () => {
    const from = cluster.zoneProvider.logLines().length;
    const before = await Promise.all(cluster.secondaries.map((s) => metric(s, "pdnsd_zone_data_received_total", 'transfer="delta"')));
    await addHost(cluster, "new-1", "192.0.2.101");
    // The secondaries may answer before the zone-provider's log line about the reply has been read.
    // (A secondary may also ask again for the version it already has, e.g. on a health-checker resync: an empty delta.)
    const changes = () => served(cluster, from).filter((e) => e.fromSerial !== e.serial);
    await waitFor(async () => changes().length >= cluster.secondaries.length, { timeoutMs: 5000, what: "zone-provider logs both replies" });
    for (const e of changes()) expect(e.delta).toEqual({ removed: 1, added: 2 }); // the SOA line swapped, the new record
    const entries = served(cluster, from);
    for (const e of entries) {
      expect(e.transfer).toBe("delta");
      // Once the zone-provider has the zone's LtHash16 state (computed in the background after a request that named
      // its base), the next delta also carries it, once: 2048 bytes as base64 with its JSON key. The lines stay small.
      expect((e.bytes as number) - (e.lthash === "with-state" ? LTHASH_STATE_JSON_BYTES : 0)).toBeLessThan(2048);
    }
    for (const [i, sec] of cluster.secondaries.entries()) {
      expect(await metric(sec, "pdnsd_zone_data_received_total", 'transfer="delta"')).toBeGreaterThan(before[i] as number);
      expect(await metric(sec, "pdnsd_zone_delta_fallbacks_total", 'reason="unverified"')).toBe(0);
    }
    process.stdout.write(`delta reply bytes: ${entries.map((e) => e.bytes as number).join(", ")}\n`);
  });

  test("read-ahead: the zone-provider reads a changed zone when its event goes by; every secondary's request shares that one read", async () => {
    const providerMetric = async (name: string, labels: string) => {
      const text = await (await fetch(`${cluster.zoneProviderMetricsUrl}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
      return line ? Number(line.split(" ").at(-1)) : 0;
    };
    const tcpQueries = async () => Number((await cluster.pdns.pdnsControl(["show", "tcp-queries"])).stdout.trim());
    const aheadBefore = await providerMetric("pdnsd_zone_data_reads_total", 'read="ahead"');
    const freshBefore = await providerMetric("pdnsd_zone_data_reads_total", 'read="fresh"');
    const tcpBefore = await tcpQueries();
    const from = cluster.zoneProvider.logLines().length;
    await addHost(cluster, "ahead-1", "192.0.2.111");
    await waitFor(async () => (await providerMetric("pdnsd_zone_data_reads_total", 'read="ahead"')) >= aheadBefore + cluster.secondaries.length, {
      timeoutMs: 5000,
      what: "every secondary's request served by the read-ahead",
    });
    expect(await providerMetric("pdnsd_zone_data_reads_total", 'read="fresh"')).toBe(freshBefore);
    // One read of PowerDNS for both secondaries: an incremental one (the changed RRset from the API), so no AXFR of
    // the 5,000-record zone at all (only the zone-provider talks TCP to PowerDNS).
    const reads = logEntries(cluster.zoneProvider.logLines().slice(from), "zone read from the primary").filter((e) => e.zone === ZONE);
    expect(reads.map((r) => r.read)).toEqual(["incremental"]);
    expect((await tcpQueries()) - tcpBefore).toBe(0);
  });

  test("changes, removals and a TTL change in a row: every secondary equals the primary record for record", async () => {
    await addHost(cluster, "new-2", "192.0.2.102");
    await cluster.api.patchRRset(ZONE, { name: `host-7.${ZONE}`, type: "A", ttl: 300, changetype: "DELETE", records: [] });
    await cluster.api.patchRRset(ZONE, { name: `host-8.${ZONE}`, type: "A", ttl: 60, changetype: "REPLACE", records: ["10.0.0.8"] });
    await addHost(cluster, "new-3", "192.0.2.103");
    await expectConverged(cluster);
    expect(await diffWithPrimary(cluster)).toEqual([]);
    for (const sec of cluster.secondaries) {
      const r = await dig({ server: sec.address, port: sec.port, qname: `host-7.${ZONE}`, qtype: "A" });
      expect(r.status).toBe("NXDOMAIN");
    }
  });

  test("LtHash16 (envelope version 3): once both sides hold the zone's state, a change is a delta checked by its lines alone", async () => {
    // The zone-provider computes the state of a version in the background once a secondary asked for a delta from
    // it; the secondaries receive the state with the next delta; from then on a delta names its base state.
    const fromBase = (from: number) => served(cluster, from).filter((e) => e.fromSerial !== e.serial && e.lthash === "from-base");
    let ready = false;
    for (let i = 0; i < 8 && !ready; i++) {
      const from = cluster.zoneProvider.logLines().length;
      await addHost(cluster, `lt-${i}`, `192.0.2.${120 + i}`);
      ready = await waitFor(async () => fromBase(from).length >= cluster.secondaries.length, { timeoutMs: 1500, what: "version 3 deltas from the base state" }).then(
        () => true,
        () => false,
      );
    }
    expect(ready).toBe(true);
    const from = cluster.zoneProvider.logLines().length;
    await addHost(cluster, "lt-last", "192.0.2.130");
    await waitFor(async () => fromBase(from).length >= cluster.secondaries.length, { timeoutMs: 5000, what: "zone-provider logs the replies" });
    for (const e of fromBase(from)) {
      expect(e).toMatchObject({ transfer: "delta", delta: { removed: 1, added: 2 } });
      expect(e.bytes as number).toBeLessThan(2048); // the 2048-byte state stays home
    }
    for (const sec of cluster.secondaries) expect(await metric(sec, "pdnsd_zone_delta_fallbacks_total", 'reason="unverified"')).toBe(0);
    expect(await diffWithPrimary(cluster)).toEqual([]);
  });

  test("a restarted zone-provider (no versions kept) sends the full zone, and deltas resume after it", async () => {
    await cluster.restartDaemon("zone-provider");
    let from = cluster.zoneProvider.logLines().length;
    await addHost(cluster, "new-4", "192.0.2.104");
    await waitFor(async () => served(cluster, from).length >= 1, { timeoutMs: 5000, what: "zone-provider logs a reply" });
    // It knows no version: the first requests get the full zone. A delta is right only from a version it has served
    // in full since the restart (a secondary that asked again for the version it held, say on a resync).
    const after = served(cluster, from);
    const full = after.filter((e) => e.transfer === "inline" && e.fullBecause === "unknown-base");
    const learned = new Set(full.map((e) => e.serial));
    expect(full.length).toBeGreaterThanOrEqual(1);
    expect(after.filter((e) => !full.includes(e) && !(e.transfer === "delta" && learned.has(e.fromSerial)))).toEqual([]);
    from = cluster.zoneProvider.logLines().length;
    await addHost(cluster, "new-5", "192.0.2.105");
    await waitFor(async () => served(cluster, from).length >= 1, { timeoutMs: 5000, what: "zone-provider logs a reply" });
    expect(served(cluster, from).every((e) => e.transfer === "delta")).toBe(true);
    expect(await diffWithPrimary(cluster)).toEqual([]);
  });
});
