// ChangeTracker: PENDING → INSYNC over the active secondaries, RFC 1982 serials, deletes, unknown serials, bounds.
import { ChangeTracker, parseDuration } from "../src/changes";
import type { TrackedChange } from "../src/changes";

const T0 = 1_800_000_000_000;
const change = (over: Partial<TrackedChange> = {}): TrackedChange => ({
  id: "c1",
  zone: "example.org.",
  type: "zone.modified",
  serial: 2026010102,
  time: T0,
  ...over,
});

describe("ChangeTracker", () => {
  test("PENDING until every active secondary serves serial >= the change's, with times", () => {
    const t = new ChangeTracker();
    t.applied("ns2", "example.org.", 2026010101, T0 - 1000);
    t.record(change(), T0);
    expect(t.status("c1", ["ns2", "ns3"], T0)?.status).toBe("PENDING");
    expect(t.applied("ns2", "example.org.", 2026010102, T0 + 40)).toEqual(["c1"]);
    const mid = t.status("c1", ["ns3", "ns2"], T0 + 50)!;
    expect(mid.status).toBe("PENDING");
    expect(mid.secondaries.map((s) => [s.id, s.inSync, s.servedSerial, s.propagationMs])).toEqual([
      ["ns2", true, 2026010102, 40],
      ["ns3", false, undefined, null],
    ]);
    t.applied("ns3", "example.org.", 2026010105, T0 + 70); // newer counts too
    const done = t.status("c1", ["ns2", "ns3"], T0 + 80)!;
    expect(done).toMatchObject({ status: "INSYNC", propagationMs: 70, syncedAt: new Date(T0 + 70).toISOString() });
  });

  test("only active secondaries count; none active is PENDING", () => {
    const t = new ChangeTracker();
    t.record(change(), T0);
    t.applied("ns2", "example.org.", 2026010102, T0 + 10);
    expect(t.status("c1", ["ns2", "ns3"], T0 + 20)?.status).toBe("PENDING");
    expect(t.status("c1", ["ns2"], T0 + 20)?.status).toBe("INSYNC");
    expect(t.status("c1", [], T0 + 20)?.status).toBe("PENDING");
  });

  test("serial arithmetic wraps (RFC 1982) and an older serial never counts", () => {
    const t = new ChangeTracker();
    t.record(change({ serial: 0xfffffff0 }), T0);
    expect(t.applied("ns2", "example.org.", 0xffffffe0, T0 + 1)).toEqual([]);
    expect(t.applied("ns2", "example.org.", 5, T0 + 2)).toEqual(["c1"]);
  });

  test("a secondary already serving the serial is in sync at once (propagation 0)", () => {
    const t = new ChangeTracker();
    t.applied("ns2", "example.org.", 2026010103, T0 - 5);
    t.record(change(), T0);
    expect(t.status("c1", ["ns2"], T0)).toMatchObject({ status: "INSYNC", propagationMs: 0 });
  });

  test("a delete is in sync once the zone is not served; an unknown serial once anything newer was applied", () => {
    const t = new ChangeTracker();
    t.applied("ns2", "example.org.", 7, T0 - 5);
    t.record(change({ id: "d", type: "zone.delete", serial: null }), T0);
    expect(t.status("d", ["ns2"], T0)?.status).toBe("PENDING");
    t.applied("ns2", "example.org.", null, T0 + 3);
    expect(t.status("d", ["ns2"], T0 + 4)?.status).toBe("INSYNC");

    t.applied("ns2", "other.org.", 9, T0 - 5);
    t.record(change({ id: "u", zone: "other.org.", serial: null }), T0);
    expect(t.status("u", ["ns2"], T0)?.status).toBe("PENDING");
    t.applied("ns2", "other.org.", 9, T0 + 8);
    expect(t.status("u", ["ns2"], T0 + 9)).toMatchObject({ status: "INSYNC", propagationMs: 8 });
  });

  test("bounded: oldest changes dropped, retention expires, served table capped", () => {
    const t = new ChangeTracker({ maxChanges: 2, retentionMs: 1000, maxServed: 2 });
    t.record(change({ id: "a" }), T0);
    t.record(change({ id: "b", time: T0 + 1 }), T0 + 1);
    t.record(change({ id: "c", time: T0 + 2 }), T0 + 2);
    expect(t.size()).toBe(2);
    expect(t.status("a", ["ns2"], T0 + 3)).toBeUndefined();
    expect(t.recent(10, ["ns2"], T0 + 3).map((s) => s.id)).toEqual(["c", "b"]);
    expect(t.status("c", ["ns2"], T0 + 5000)).toBeUndefined();
    t.applied("ns1", "a.", 1, T0);
    t.applied("ns2", "a.", 1, T0);
    t.applied("ns3", "a.", 1, T0);
    expect(t.served("ns1", "a.")).toBeUndefined();
    expect(t.served("ns3", "a.")).toEqual({ serial: 1, at: T0 });
    expect(t.record(change({ id: "c", time: T0 + 6000 }), T0 + 6000)).toBe(true);
    expect(t.record(change({ id: "c", time: T0 + 6000 }), T0 + 6000)).toBe(false);
  });
});

test.each([
  ["10s", 10_000],
  ["500ms", 500],
  ["2m", 120_000],
  ["1h", 3_600_000],
  ["10", 10_000],
  ["1.5", 1500],
  ["", undefined],
  ["-1s", undefined],
  ["10x", undefined],
])("parseDuration(%p) = %p", (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});
