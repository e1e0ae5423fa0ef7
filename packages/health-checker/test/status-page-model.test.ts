// buildStatusPage: matrix cells from the snapshot overridden by newer applied messages and changes; outdated first.
import { ChangeTracker } from "@pdns-distribute/core";
import type { SecondaryState } from "../src/registry";
import { buildStatusPage } from "../src/status-page-model";
import type { StatusPageInput } from "../src/status-page-model";

const T0 = 1_800_000_000_000;

function sec(id: string, active: boolean): SecondaryState {
  return {
    id,
    name: id,
    dnsAddress: "127.0.0.2:53",
    softwareVersion: "0.1.0",
    zoneCount: 2,
    digest: undefined,
    lastSeen: T0 - 1000,
    seen: true,
    static: false,
    active,
    lastChecked: undefined,
    counts: undefined,
    resyncs: 0,
  };
}

function input(over: Partial<StatusPageInput> = {}): StatusPageInput {
  return {
    checker: "c1",
    leader: true,
    secondaries: [sec("ns2", true), sec("ns3", false)],
    snapshot: {
      at: T0,
      primary: new Map([
        ["a.", 10],
        ["b.", 20],
      ]),
      secondaries: new Map([
        ["ns2", new Map([["a.", 10], ["b.", 19]])],
        ["ns3", new Map([["a.", 10]])],
      ]),
    },
    snapshotError: null,
    tracker: new ChangeTracker(),
    maxRows: 100,
    maxChanges: 10,
    now: T0 + 100,
    ...over,
  };
}

describe("buildStatusPage", () => {
  test("cells from the snapshot; outdated zones first; inactive secondaries shown but not counted", () => {
    const d = buildStatusPage(input());
    expect(d.secondaries.map((s) => [s.id, s.active])).toEqual([
      ["ns2", true],
      ["ns3", false],
    ]);
    expect(d.zones.rows.map((r) => [r.zone, r.cells.ns2?.state, r.cells.ns3?.state])).toEqual([
      ["b.", "outdated", "missing"],
      ["a.", "insync", "insync"],
    ]);
    expect(d.zones).toMatchObject({ total: 2, outdatedZones: 1, truncated: false });
  });

  test("changes and applied messages newer than the snapshot override it", () => {
    const tracker = new ChangeTracker();
    tracker.record({ id: "x", zone: "a.", type: "zone.modified", serial: 11, time: T0 + 10 }, T0 + 10);
    tracker.record({ id: "y", zone: "c.", type: "zone.add", serial: 1, time: T0 + 11 }, T0 + 11);
    tracker.applied("ns2", "a.", 11, T0 + 20);
    tracker.applied("ns2", "c.", 1, T0 + 21);
    const d = buildStatusPage(input({ tracker }));
    const row = (z: string) => d.zones.rows.find((r) => r.zone === z)!;
    expect(row("a.")).toMatchObject({ serial: 11, cells: { ns2: { serial: 11, state: "insync" }, ns3: { serial: 10, state: "outdated" } } });
    expect(row("c.").cells.ns2).toEqual({ serial: 1, state: "insync" });
    expect(d.changes.map((c) => [c.id, c.status])).toEqual([
      ["y", "INSYNC"],
      ["x", "INSYNC"],
    ]);
    expect(d.zones.total).toBe(3);
  });

  test("rows are capped; no snapshot yet shows changed zones only", () => {
    expect(buildStatusPage(input({ maxRows: 1 })).zones).toMatchObject({ truncated: true, total: 2 });
    const tracker = new ChangeTracker();
    tracker.record({ id: "x", zone: "a.", type: "zone.add", serial: 1, time: T0 }, T0);
    const d = buildStatusPage(input({ tracker, snapshot: undefined }));
    expect(d.snapshotTime).toBeNull();
    expect(d.zones.rows).toEqual([{ zone: "a.", serial: 1, cells: { ns2: { serial: null, state: "unknown" }, ns3: { serial: null, state: "unknown" } } }]);
  });
});
