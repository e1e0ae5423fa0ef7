import { SecondaryRegistry } from "@pdns-distribute/core";
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
});
