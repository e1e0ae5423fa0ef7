import { diffCounts, diffZoneMaps, resyncFor, resyncsOf } from "@pdns-distribute/health-checker";

describe("diffZoneMaps / resyncsOf", () => {
  const primary = new Map([
    ["a.", 1],
    ["b.", 2],
    ["c.", 3],
    ["d.", 4],
  ]);
  const secondary = new Map([
    ["a.", 1],
    ["b.", 1],
    ["x.", 9],
    ["d.", 5],
  ]);

  test("missing, extra, outdated and in sync", () => {
    const diff = diffZoneMaps(primary, secondary);
    expect(diff).toEqual({ missing: ["c."], extra: ["x."], outdated: ["b.", "d."], inSync: 1 });
    expect(diffCounts(diff)).toEqual({ inSync: 1, outdated: 2, missing: 1, extra: 1 });
  });

  test("resyncs: deletes, then adds, then changes, capped", () => {
    const diff = diffZoneMaps(primary, secondary);
    expect(resyncsOf(diff, 100)).toEqual([
      { type: "zone.delete", zone: "x." },
      { type: "zone.add", zone: "c." },
      { type: "zone.modified", zone: "b." },
      { type: "zone.modified", zone: "d." },
    ]);
    expect(resyncsOf(diff, 2).map((r) => r.zone)).toEqual(["x.", "c."]);
  });

  test("equal maps: nothing to do", () => {
    const diff = diffZoneMaps(primary, new Map(primary));
    expect(resyncsOf(diff, 10)).toEqual([]);
    expect(diff.inSync).toBe(4);
  });

  test.each([
    [undefined, undefined, undefined],
    [5, 5, undefined],
    [5, undefined, "zone.add"],
    [undefined, 5, "zone.delete"],
    [6, 5, "zone.modified"],
    [5, 6, "zone.modified"],
  ])("resyncFor(primary %p, secondary %p) = %p", (p, s, want) => {
    expect(resyncFor(p, s)).toBe(want);
  });
});
