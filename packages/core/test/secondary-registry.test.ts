import { MISSED_HEARTBEATS, SecondaryRegistry, inactiveAfterMs } from "@pdns-distribute/core";
import type { Heartbeat } from "@pdns-distribute/core";

const hb = (id: string): Heartbeat => ({
  type: "secondary.heartbeat",
  version: 1,
  id,
  name: id,
  dnsAddress: "127.0.0.2:53",
  softwareVersion: "0.1.0",
  zoneCount: 3,
  time: new Date(0).toISOString(),
});

describe("SecondaryRegistry", () => {
  test("a secondary that stops pinging becomes inactive, and active again with its next heartbeat", () => {
    const r = new SecondaryRegistry(10_000);
    expect(r.heartbeat(hb("s1"), 0)).toMatchObject({ id: "s1", active: true });
    expect(r.heartbeat(hb("s1"), 5_000)).toBeUndefined();
    expect(r.heartbeat(hb("s2"), 5_000)).toMatchObject({ id: "s2", active: true });
    expect(r.expire(14_000)).toEqual([]);
    expect(r.expire(15_001).map((c) => [c.id, c.active])).toEqual([["s1", false], ["s2", false]]);
    expect(r.active()).toEqual([]);
    expect(r.heartbeat(hb("s2"), 20_000)).toMatchObject({ id: "s2", active: true });
    expect(r.active().map((s) => s.id)).toEqual(["s2"]);
    expect(r.list().map((s) => s.id)).toEqual(["s1", "s2"]);
  });

  test("by default a secondary is inactive after missing 3 of its own heartbeat intervals (5 s when it does not say)", () => {
    const r = new SecondaryRegistry();
    r.heartbeat({ ...hb("fast"), intervalMs: 1000 }, 0);
    r.heartbeat(hb("old"), 0); // no intervalMs: an older secondary, 5 s assumed
    expect(inactiveAfterMs({ intervalMs: 1000 })).toBe(MISSED_HEARTBEATS * 1000);
    expect(r.expire(3000)).toEqual([]);
    expect(r.expire(3001).map((c) => c.id)).toEqual(["fast"]);
    expect(r.expire(15_000)).toEqual([]);
    expect(r.expire(15_001).map((c) => c.id)).toEqual(["old"]);
  });
});
