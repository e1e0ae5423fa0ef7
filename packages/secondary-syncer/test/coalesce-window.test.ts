// The adaptive coalescing window: a few ms for isolated changes, growing only while a zone's events keep arriving.
import { AdaptiveCoalesceWindow, BatchPacer, RecentZones, msToWindowBoundary } from "../src";

describe("AdaptiveCoalesceWindow", () => {
  test("an isolated change waits only the minimum, however often it happens", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 5, maxMs: 200 });
    let now = 0;
    for (let i = 0; i < 50; i++) {
      w.idle(now);
      now += 20; // the next change comes 20 ms after the last batch ended (one change at a time)
      expect(w.wake(now)).toBe(5);
      now += 30;
      expect(w.afterBatch(false)).toBe(5); // nothing for this zone arrived while it was applied
    }
  });

  test("doubles while events for the zones just applied keep arriving, capped at the maximum", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 5, maxMs: 200 });
    expect(w.wake(0)).toBe(5);
    expect([1, 2, 3, 4, 5, 6, 7].map(() => w.afterBatch(true))).toEqual([10, 20, 40, 80, 160, 200, 200]);
    expect(w.ms).toBe(200);
  });

  test("batches without repeats halve it; an idle period longer than the window resets it", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 5, maxMs: 200 });
    for (let i = 0; i < 6; i++) w.afterBatch(true);
    expect(w.afterBatch(false)).toBe(100);
    w.idle(1000);
    expect(w.wake(1050)).toBe(100); // a short gap inside a burst keeps the grown window
    w.idle(2000);
    expect(w.wake(2101)).toBe(5); // idle for longer than the window: back to the minimum
    for (let i = 0; i < 3; i++) w.afterBatch(true);
    expect([1, 2, 3, 4].map(() => w.afterBatch(false))).toEqual([20, 10, 5, 5]);
  });

  test("a batch that leaves the queue empty keeps the window; the idle period after it decides", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 0, maxMs: 1000 });
    for (let i = 0; i < 4; i++) w.afterBatch(true);
    expect(w.ms).toBe(8);
    // A burst whose batches are applied faster than its events come: most batches drain the queue.
    expect(w.afterBatch(false, true)).toBe(8);
    expect(w.afterBatch(true)).toBe(16);
    expect(w.afterBatch(false, true)).toBe(16);
    w.idle(100);
    expect(w.wake(110)).toBe(16); // the next event of the burst, 10 ms later
    w.idle(200);
    expect(w.wake(300)).toBe(0); // the burst is over: idle for longer than the window
    expect(w.afterBatch(false, false)).toBe(0); // events still queued, none for recent zones: halves (stays 0)
  });

  test("a minimum of 0 still grows under pressure and returns to 0", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 0, maxMs: 8 });
    expect(w.wake(0)).toBe(0);
    expect([1, 2, 3, 4, 5].map(() => w.afterBatch(true))).toEqual([1, 2, 4, 8, 8]);
    w.idle(10);
    expect(w.wake(100)).toBe(0);
  });

  test("a maximum below the minimum keeps a fixed window", () => {
    const w = new AdaptiveCoalesceWindow({ minMs: 20, maxMs: 5 });
    expect(w.afterBatch(true)).toBe(20);
    expect(w.afterBatch(false)).toBe(20);
  });
});

describe("msToWindowBoundary", () => {
  test.each([
    [1_000_000, 200, 0],
    [1_000_001, 200, 199],
    [1_000_199, 200, 1],
    [1_000_003, 5, 2],
    [1_000_003, 0, 0],
  ])("at %d with a %d ms window: %d ms", (now, windowMs, want) => {
    expect(msToWindowBoundary(now, windowMs)).toBe(want);
  });

  test("secondaries seeing an event at slightly different times wake together", () => {
    const wakes = [1_000_013, 1_000_020, 1_000_150].map((t) => t + msToWindowBoundary(t, 200));
    expect(new Set(wakes)).toEqual(new Set([1_000_200]));
  });
});

describe("RecentZones", () => {
  test("remembers the zones applied within the span, forgets older ones", () => {
    const r = new RecentZones(1000);
    r.applied(["a.", "b."], 0);
    r.applied(["c."], 600);
    expect([r.has("a.", 1000), r.has("c.", 1000), r.has("x.", 1000)]).toEqual([true, true, false]);
    expect(r.has("a.", 1001)).toBe(false);
    r.applied(["a."], 1200); // re-applied: young again; b. is pruned
    expect(r.size).toBe(2);
    expect([r.has("a.", 2000), r.has("b.", 2000), r.has("c.", 2000)]).toEqual([true, false, false]);
  });
});


describe("BatchPacer", () => {
  const zones = (...z: string[]) => new Map(z.map((name) => [name, 1]));

  test("an isolated change: waits the minimum after waking, nothing between batches", () => {
    const p = new BatchPacer({ minMs: 5, maxMs: 200 });
    p.idle(0);
    expect(p.waitBeforeBatch(true, 20)).toBe(5);
    expect(p.afterBatch(new Set(["a."]), zones(), true, 30)).toBe(false);
    expect(p.waitBeforeBatch(false, 31)).toBe(0);
  });

  test("zones applied moments ago waiting again: a burst, the window grows and the next batch waits for it", () => {
    const p = new BatchPacer({ minMs: 0, maxMs: 1000 });
    expect(p.afterBatch(new Set(["a.", "b."]), zones("a.", "c."), false, 10)).toBe(true); // half of the waiting zones
    expect(p.waitBeforeBatch(false, 11)).toBe(1);
    expect(p.afterBatch(new Set(["a."]), zones("a."), false, 20)).toBe(true);
    expect(p.windowMs).toBe(2);
  });

  test("a backlog of many different zones (a replay) is not a burst; zones applied longer ago do not count", () => {
    const p = new BatchPacer({ minMs: 0, maxMs: 100 });
    expect(p.afterBatch(new Set(["a."]), zones("a.", "b.", "c."), false, 0)).toBe(false);
    expect(p.afterBatch(new Set(["b."]), zones("a."), false, 500)).toBe(false); // a. was applied 500 ms ago
    expect(p.waitBeforeBatch(false, 501)).toBe(0);
  });
});
