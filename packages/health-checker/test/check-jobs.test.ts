// The checker's jobs: what one periodic / DNSSEC / event run records (status, metrics) with PowerDNS and NATS faked.
import { SecondaryRegistry, createLogger, createMetricsRegistry, zoneSetDigest } from "@pdns-distribute/core";
import { createHealthMetrics, dnssecUpkeepJob, eventCheckJob, periodicCheckJob } from "@pdns-distribute/health-checker";
import type { HealthMetrics, MeteredCheckDeps, PowerDnsClient, PrimaryInfo, SecondaryStateClient } from "@pdns-distribute/health-checker";
import { testHeartbeat } from "./heartbeat-fixture";

const PRIMARY = new Map([
  ["a.example.", 3],
  ["b.example.", 7],
]);

const heartbeat = (id: string, digest: string) => testHeartbeat(id, { zoneCount: 2, digest });

async function metricValue(metrics: HealthMetrics, metric: keyof HealthMetrics, labels: Record<string, string>): Promise<number | undefined> {
  const { values } = await metrics[metric].get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
}

function setup(state: () => Promise<{ serials: Map<string, number>; signed: Set<string> }>) {
  const metrics = createHealthMetrics(createMetricsRegistry("health-checker-test"));
  const registry = new SecondaryRegistry(60_000);
  registry.heartbeat(heartbeat("in-sync", zoneSetDigest(PRIMARY)), Date.now());
  registry.heartbeat(heartbeat("behind", "other"), Date.now());
  const published: string[] = [];
  const states: SecondaryStateClient = {
    bytes: { sent: 0, received: 0 },
    fullState: async () => {
      states.bytes.sent += 10;
      states.bytes.received += 100;
      return { serials: new Map([["a.example.", 3], ["b.example.", 6]]), digest: "other", pages: 1 };
    },
    zoneSerial: async () => 6,
    zoneStatus: async () => ({ serial: 6, pending: false }),
    digest: async () => ({ digest: "other", count: 2 }),
  };
  const powerdns: PowerDnsClient = {
    state,
    zone: async (zone) => ({ name: zone, serial: PRIMARY.get(zone) ?? 0 }),
    setNsec3: async () => undefined,
    soaSignature: async () => undefined,
    dnssecFingerprint: async () => "fp",
    servesZone: async () => true,
  };
  const deps: MeteredCheckDeps = {
    powerdns,
    states,
    registry,
    metrics,
    publish: async (type, zone, target) => {
      published.push(`${type} ${zone} ${target ?? "*"}`);
      return {} as never;
    },
    logger: createLogger("test", "silent"),
    maxResyncsPerSecondary: 100,
    concurrency: 2,
  };
  const primary: PrimaryInfo = { zones: null, signedZones: null, lastCheck: null, lastCheckMs: null, lastError: null };
  return { metrics, registry, published, states, deps, primary };
}

test("a periodic run repairs the secondary that differs and records the outcome", async () => {
  const t = setup(async () => ({ serials: new Map(PRIMARY), signed: new Set(["b.example."]) }));
  await periodicCheckJob(t.deps, t.primary)();
  expect(t.published).toEqual(["zone.modified b.example. behind"]);
  expect(t.primary).toMatchObject({ zones: 2, signedZones: 1, lastError: null });
  expect(t.primary.lastCheck).toEqual(expect.any(Number));
  expect(await metricValue(t.metrics, "secondaryZones", { secondary: "behind", state: "outdated" })).toBe(1);
  expect(await metricValue(t.metrics, "secondaryZones", { secondary: "in-sync", state: "in_sync" })).toBe(2);
  expect(await metricValue(t.metrics, "checks", { check: "periodic", result: "ok" })).toBe(1);
  expect(await metricValue(t.metrics, "stateBytes", { direction: "received" })).toBe(100);
  expect(t.states.bytes).toEqual({ sent: 0, received: 0 }); // moved into the metric
});

test("a failed periodic run does not reject: the status shows the error and the metric counts it", async () => {
  const t = setup(async () => Promise.reject(new Error("PowerDNS API GET /zones: HTTP 500")));
  await expect(periodicCheckJob(t.deps, t.primary)()).resolves.toBeUndefined();
  expect(t.primary.lastError).toBe("PowerDNS API GET /zones: HTTP 500");
  expect(await metricValue(t.metrics, "checks", { check: "periodic", result: "error" })).toBe(1);
  expect(t.published).toEqual([]);
});

test("the event job checks one zone, and rejects (for the event watch to log) when it fails", async () => {
  const t = setup(async () => ({ serials: new Map(PRIMARY), signed: new Set() }));
  await eventCheckJob(t.deps)("b.example.");
  expect(t.published.sort()).toEqual(["zone.modified b.example. behind", "zone.modified b.example. in-sync"]);
  t.deps.powerdns.zone = async () => Promise.reject(new Error("down"));
  await expect(eventCheckJob(t.deps)("b.example.")).rejects.toThrow("down");
  expect(await metricValue(t.metrics, "checks", { check: "event", result: "error" })).toBe(1);
});

test("the DNSSEC job does nothing when both its features are off, and never rejects", async () => {
  let reads = 0;
  const t = setup(async () => {
    reads++;
    throw new Error("unreachable");
  });
  const dnssec = {
    powerdns: t.deps.powerdns,
    publish: t.deps.publish,
    logger: t.deps.logger,
    metrics: t.metrics,
    concurrency: 2,
    marginS: 3600,
    maxPerRun: 10,
    resyncEnabled: false,
    nsec3Convert: false,
    nsec3Param: "1 0 0 -",
    synced: new Map(),
  };
  await dnssecUpkeepJob(dnssec)();
  expect(reads).toBe(0);
  await expect(dnssecUpkeepJob({ ...dnssec, resyncEnabled: true })()).resolves.toBeUndefined();
  expect(reads).toBe(1);
  expect(await metricValue(t.metrics, "checks", { check: "dnssec", result: "error" })).toBe(1);
});
