import { planDnssecResyncs } from "@pdns-distribute/health-checker";

const DAY = 86_400;
const now = 1_000 * DAY;
// PowerDNS-like windows: inception a few days ago, ~3 weeks of validity.
const w = (zone: string, inception: number, expiration: number) => ({ zone, inception, expiration });

describe("planDnssecResyncs", () => {
  test("unknown zones (first run) are due first", () => {
    const plan = planDnssecResyncs([w("b.", now - 2 * DAY, now + 19 * DAY), w("a.", now - 2 * DAY, now + 19 * DAY)], new Map(), now, 3 * DAY, 10);
    expect(plan.due).toEqual(["a.", "b."]);
    expect(plan.deferred).toBe(0);
  });

  test("held signatures far from expiry: not due; next due time is their expiry minus the margin", () => {
    const plan = planDnssecResyncs([w("a.", now - DAY, now + 20 * DAY)], new Map([["a.", { expiration: now + 10 * DAY }]]), now, 3 * DAY, 10);
    expect(plan.due).toEqual([]);
    expect(plan.nextDue).toBe(now + 7 * DAY);
  });

  test("held signatures within the margin and a re-signed primary: due, most urgent first, capped", () => {
    const synced = new Map([
      ["a.", { expiration: now + 2 * DAY }],
      ["b.", { expiration: now + DAY }],
      ["c.", { expiration: now + 2.5 * DAY }],
    ]);
    const windows = ["a.", "b.", "c."].map((z) => w(z, now - DAY, now + 20 * DAY));
    const plan = planDnssecResyncs(windows, synced, now, 3 * DAY, 2);
    expect(plan.due).toEqual(["b.", "a."]);
    expect(plan.deferred).toBe(1);
  });

  test("primary not re-signed yet: resyncing would not help, so not due; near-expiry on the primary is reported", () => {
    const plan = planDnssecResyncs([w("a.", now - 19 * DAY, now + DAY)], new Map([["a.", { expiration: now + DAY }]]), now, 3 * DAY, 10);
    expect(plan.due).toEqual([]);
    expect(plan.primaryExpiring).toEqual(["a."]);
  });
});
