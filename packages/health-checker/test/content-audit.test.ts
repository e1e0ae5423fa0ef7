// The content audit's pure parts: comparing a secondary's held content with the primary's, and the rotation through zones.
import { AuditRotation, compareContent, nextAuditAt } from "@pdns-distribute/health-checker";
import type { AuditResult, SecondaryContent } from "@pdns-distribute/health-checker";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("compareContent", () => {
  const primary = { serial: 5, sha256: A };
  const cases: Array<[string, SecondaryContent, AuditResult]> = [
    ["same serial and text", { serial: 5, pending: false, content: { serial: 5, sha256: A, served: A } }, "match"],
    ["same serial and text, served digest not remembered", { serial: 5, pending: false, content: { serial: 5, sha256: A } }, "match"],
    ["same serial, stored text differs", { serial: 5, pending: false, content: { serial: 5, sha256: B, served: A } }, "mismatch"],
    ["same serial, served with another text", { serial: 5, pending: false, content: { serial: 5, sha256: A, served: B } }, "mismatch"],
    ["served at the primary's serial, another version stored", { serial: 5, pending: false, content: { serial: 4, sha256: A } }, "mismatch"],
    ["an older secondary (no content): unknown, never resynced", { serial: 5, pending: false }, "unknown"],
    ["served, but nothing stored", { serial: 5, pending: false, content: null }, "mismatch"],
    ["serials differ: the serial checks' business", { serial: 4, pending: false, content: { serial: 4, sha256: B } }, "skipped"],
    ["still applying events", { serial: 5, pending: true, content: { serial: 5, sha256: B } }, "skipped"],
    ["not served", { serial: undefined, pending: false }, "skipped"],
  ];
  test.each(cases)("%s → %s", (_what, held, want) => {
    expect(compareContent(primary, held)).toBe(want);
  });
});

describe("AuditRotation", () => {
  test("every zone once per cycle in name order; a new zone list at each cycle", () => {
    const r = new AuditRotation();
    expect(r.needsZones()).toBe(true);
    r.startCycle(["c.", "a.", "b."]);
    expect(r.size()).toBe(3);
    expect(r.take(2)).toEqual(["a.", "b."]);
    expect(r.needsZones()).toBe(false);
    expect(r.take(2)).toEqual(["c."]);
    expect(r.needsZones()).toBe(true);
    r.startCycle(["d.", "a."]);
    expect([r.take(1), r.take(1), r.take(1)]).toEqual([["a."], ["d."], []]);
    r.startCycle([]);
    expect(r.needsZones()).toBe(true);
  });
});

describe("nextAuditAt", () => {
  test("a zone of R records delays the next audit by R / rate seconds", () => {
    expect(nextAuditAt(10_000, 0, 1000)).toBe(10_000);
    expect(nextAuditAt(10_000, 50, 1000)).toBe(10_050);
    expect(nextAuditAt(0, 1_000_000, 1000)).toBe(1_000_000); // ~17 min
  });
});
