// A content-audit run with in-process stand-ins: full resyncs only for a confirmed mismatch, never for the unknown or the changing.
import { LogRateLimit, SecondaryRegistry, createLogger } from "@pdns-distribute/core";
import { AuditRotation, runContentAudit } from "@pdns-distribute/health-checker";
import type { ContentAuditDeps, PrimaryContent, SecondaryContent } from "@pdns-distribute/health-checker";
import { testHeartbeat } from "./heartbeat-fixture";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const heartbeat = (id: string) => testHeartbeat(id);

/** Deps whose primary answers `primary` (one value per read, the last repeated) and secondaries `held` (likewise). */
function depsOf(zones: string[], primary: Array<PrimaryContent | undefined>, held: Record<string, SecondaryContent[]>) {
  const registry = new SecondaryRegistry(60_000);
  for (const id of Object.keys(held)) registry.heartbeat(heartbeat(id), Date.now());
  const published: string[] = [];
  let reads = 0;
  const asked: Record<string, number> = {};
  const deps: ContentAuditDeps = {
    powerdns: { state: async () => ({ serials: new Map(zones.map((z) => [z, 5])), signed: new Set<string>() }) },
    primaryDigest: async () => primary[Math.min(reads++, primary.length - 1)],
    states: {
      zoneStatus: async (id) => {
        const n = (asked[id] = (asked[id] ?? 0) + 1);
        const list = held[id]!;
        return list[Math.min(n - 1, list.length - 1)]!;
      },
    },
    registry,
    publish: async (type, zone, target, full) => {
      published.push(`${type} ${zone} ${target}${full ? " full" : ""}`);
      return {} as never;
    },
    rotation: new AuditRotation(),
    recordsPerSecond: 1000,
    pace: { notBefore: 0 },
    concurrency: 4,
    logger: createLogger("test", "silent"),
    logLimit: new LogRateLimit(60_000),
  };
  return { deps, published, registry, reads: () => reads };
}

const has = (serial: number, sha256: string, served?: string): SecondaryContent => ({ serial, pending: false, content: { serial, sha256, ...(served ? { served } : {}) } });

test("a confirmed mismatch gets a full resync for that zone on that secondary only; old secondaries are unknown", async () => {
  const t = depsOf(["b.test.", "a.test."], [{ serial: 5, sha256: A }], {
    healthy: [has(5, A, A)],
    corrupt: [has(5, B, A)],
    old: [{ serial: 5, pending: false }],
  });
  const r = await runContentAudit(t.deps);
  expect(r.cycleStarted).toBe(2);
  expect(t.published).toEqual(["zone.modified a.test. corrupt full"]);
  const by = Object.fromEntries(r.outcomes.map((o) => [o.id, o]));
  expect(by).toMatchObject({ healthy: { zone: "a.test.", result: "match" }, corrupt: { result: "mismatch", resynced: true }, old: { result: "unknown", resynced: false } });
  expect(t.registry.get("corrupt")?.resyncs).toBe(1);
  expect(t.reads()).toBe(2); // the primary read again before the resync
  // The next run audits the next zone of the cycle; after it, a new cycle starts.
  expect((await runContentAudit(t.deps)).outcomes[0]?.zone).toBe("b.test.");
  expect((await runContentAudit(t.deps)).cycleStarted).toBe(2);
});

test("a zone that changed between the two reads is not a mismatch: no resync", async () => {
  const t = depsOf(["a.test."], [{ serial: 5, sha256: A }, { serial: 6, sha256: C }], { s1: [has(5, B), has(6, C)] });
  const r = await runContentAudit(t.deps);
  expect(r.outcomes).toMatchObject([{ id: "s1", result: "match", resynced: false }]);
  expect(t.published).toEqual([]);
});

test("a secondary still applying, or at another serial, is skipped; a zone gone from the primary too", async () => {
  const busy = depsOf(["a.test."], [{ serial: 5, sha256: A }], { s1: [{ ...has(5, B), pending: true }], s2: [has(4, B)] });
  expect((await runContentAudit(busy.deps)).outcomes.map((o) => o.result)).toEqual(["skipped", "skipped"]);
  const gone = depsOf(["a.test."], [undefined], { s1: [has(5, B)] });
  expect((await runContentAudit(gone.deps)).outcomes.map((o) => o.result)).toEqual(["skipped"]);
  expect([...busy.published, ...gone.published]).toEqual([]);
});

test("the zone-provider not answering is an error for every secondary, and no resync", async () => {
  const t = depsOf(["a.test."], [], { s1: [has(5, B)] });
  t.deps.primaryDigest = async () => {
    throw new Error("no responders");
  };
  expect((await runContentAudit(t.deps)).outcomes).toMatchObject([{ id: "s1", result: "error" }]);
  expect(t.published).toEqual([]);
});

test("a mismatch whose second read of the primary fails is an error, not a resync", async () => {
  const t = depsOf(["a.test."], [{ serial: 5, sha256: A }], { s1: [has(5, B)] });
  let reads = 0;
  t.deps.primaryDigest = async () => {
    if (reads++ > 0) throw new Error("timeout");
    return { serial: 5, sha256: A };
  };
  expect((await runContentAudit(t.deps)).outcomes).toMatchObject([{ id: "s1", result: "error", resynced: false }]);
  expect(t.published).toEqual([]);
});

test("after a large zone the next audit waits: reads of the primary average at most recordsPerSecond", async () => {
  const t = depsOf(["a.test.", "b.test."], [{ serial: 5, sha256: A, records: 5000 }], { s1: [has(5, A)] });
  expect((await runContentAudit(t.deps, 1_000_000)).zone).toBe("a.test.");
  expect(t.deps.pace.notBefore).toBe(1_005_000); // 5,000 records at 1,000 a second
  expect(await runContentAudit(t.deps, 1_004_999)).toEqual({ cycleStarted: undefined, zone: undefined, outcomes: [] });
  expect((await runContentAudit(t.deps, 1_005_000)).zone).toBe("b.test.");
});
