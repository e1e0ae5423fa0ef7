import { ZoneRequestTimeouts } from "@pdns-distribute/secondary-syncer";

describe("ZoneRequestTimeouts", () => {
  test("a zone starts at the base; each timeout doubles the wait up to the maximum", () => {
    const t = new ZoneRequestTimeouts(5000, 60_000);
    expect(t.timeoutFor("big.")).toBe(5000);
    t.timedOut("big.");
    expect(t.timeoutFor("big.")).toBe(10_000);
    t.timedOut("big.");
    t.timedOut("big.");
    expect(t.timeoutFor("big.")).toBe(40_000);
    t.timedOut("big.");
    expect(t.timeoutFor("big.")).toBe(60_000);
    expect(t.timeoutFor("other.")).toBe(5000);
  });

  test("a large held zone gets room from the first request", () => {
    const t = new ZoneRequestTimeouts(5000, 600_000);
    expect(t.timeoutFor("big.", 4_000_000)).toBe(20_000);
    expect(t.timeoutFor("huge.", 1_000_000_000)).toBe(600_000);
    expect(t.timeoutFor("small.", 1000)).toBe(5000);
  });

  test("a reply sets the wait to three times its duration, never below the base", () => {
    const t = new ZoneRequestTimeouts(5000, 600_000);
    t.timedOut("big.");
    t.succeeded("big.", 8000);
    expect(t.timeoutFor("big.")).toBe(24_000);
    t.succeeded("big.", 100);
    expect(t.timeoutFor("big.")).toBe(5000);
    t.succeeded("small.", 10);
    expect(t.timeoutFor("small.")).toBe(5000);
  });
});
