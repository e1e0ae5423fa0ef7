// backoffDelayMs: one formula that reproduces each daemon's former retry delay exactly.
import { backoffDelayMs } from "@pdns-distribute/core";

describe("backoffDelayMs", () => {
  test.each([
    [0, 500],
    [1, 500],
    [2, 1000],
    [3, 2000],
    [7, 30000],
    [1000, 30000],
  ])("attempt %d → %d ms (base 500, cap 30 s)", (attempt, want) => {
    expect(backoffDelayMs(attempt, { baseMs: 500, maxMs: 30000, maxExponent: 10 })).toBe(want);
  });

  test("maxExponent bounds the doublings below the cap", () => {
    const opts = { baseMs: 100, maxMs: Number.MAX_SAFE_INTEGER, maxExponent: 3 };
    expect([1, 2, 3, 4, 5, 50].map((a) => backoffDelayMs(a, opts))).toEqual([100, 200, 400, 800, 800, 800]);
  });

  // The three formulas the daemons used before this helper, with the parameters that reproduce each one.
  const former: Array<[string, (n: number, max: number) => number, (n: number, max: number) => number]> = [
    [
      "api-proxy relay (min·2^min(20, n−1))",
      (n, max) => Math.min(max, 200 * 2 ** Math.min(20, Math.max(0, n - 1))),
      (n, max) => backoffDelayMs(n, { baseMs: 200, maxMs: max, maxExponent: 20 }),
    ],
    [
      "secondary redelivery (500·2^min(10, n−1))",
      (n, max) => Math.min(max, 500 * 2 ** Math.min(10, Math.max(0, n - 1))),
      (n, max) => backoffDelayMs(n, { baseMs: 500, maxMs: max, maxExponent: 10 }),
    ],
    [
      "secondary consumer restart (250·2^min(n, 8), n ≥ 1)",
      (n, max) => Math.min(max, 250 * 2 ** Math.min(n, 8)),
      (n, max) => backoffDelayMs(n, { baseMs: 500, maxMs: max, maxExponent: 7 }),
    ],
  ];
  test.each(former)("reproduces the %s", (_name, old, now) => {
    for (const max of [1000, 30000, 1e12]) {
      for (let n = 1; n <= 40; n++) expect(now(n, max)).toBe(old(n, max));
    }
  });
});
