import { SecondaryRegistry, buildHealthStatus, formatStatusTable } from "@pdns-distribute/health-checker";
import { healthStatusSchema } from "@pdns-distribute/core";

describe("status report", () => {
  test("static, active and checked secondaries; schema-valid; table", () => {
    const r = new SecondaryRegistry(10_000);
    r.addStatic(["ns9"]);
    r.heartbeat(
      { type: "secondary.heartbeat", version: 1, id: "ns2", name: "ns2", dnsAddress: "127.0.0.2:53", softwareVersion: "0.1.0", zoneCount: 10, time: "" },
      1_000,
    );
    r.recordCheck("ns2", { inSync: 8, outdated: 1, missing: 1, extra: 0 }, 2_000);
    r.addResyncs("ns2", 2);
    const status = buildHealthStatus(
      "c1",
      true,
      r,
      { zones: 10, signedZones: 1, lastCheck: 2_000, lastCheckMs: 12, lastError: null },
      5_000,
    );
    expect(healthStatusSchema.parse(status)).toEqual(status);
    expect(status.secondaries).toEqual([
      expect.objectContaining({ id: "ns2", active: true, static: false, inSync: 8, outdated: 1, missing: 1, extra: 0, resyncs: 2 }),
      expect.objectContaining({ id: "ns9", active: false, static: true, lastHeartbeat: null, inSync: null }),
    ]);
    const table = formatStatusTable(status, 5_000);
    expect(table).toMatch(/checker c1 \(active\); primary: 10 zones, 1 signed, last check 3s ago/);
    expect(table).toMatch(/ns2\s+yes\s+4s ago\s+10\s+8\s+1\s+1\s+0\s+2\s+3s ago/);
    expect(table).toMatch(/ns9\s+no\s+never\s+0\s+-\s+-\s+-\s+-\s+0\s+never/);
  });
});
