// Coalescing of zone events per zone: one transfer for a run of changes, delete/re-create order kept.
import { coalesceEvents, retryDelayMs, runBounded } from "../src";
import type { PendingZoneEvent } from "../src";

const ev = (seq: number, type: PendingZoneEvent["type"], zone = "a.test."): PendingZoneEvent => ({ seq, id: `e${seq}`, type, zone });

describe("coalesceEvents", () => {
  const cases: Array<{ name: string; events: PendingZoneEvent[]; plans: unknown[] }> = [
    { name: "empty", events: [], plans: [] },
    {
      name: "many modifies → one sync",
      events: [ev(1, "zone.modified"), ev(2, "zone.modified"), ev(3, "zone.modified")],
      plans: [{ zone: "a.test.", deleted: false, sync: true, seqs: [1, 2, 3], eventIds: ["e1", "e2", "e3"] }],
    },
    {
      name: "add then delete → delete",
      events: [ev(1, "zone.add"), ev(2, "zone.modified"), ev(3, "zone.delete")],
      plans: [{ zone: "a.test.", deleted: true, sync: false, seqs: [1, 2, 3], eventIds: ["e1", "e2", "e3"] }],
    },
    {
      name: "delete then re-create → replace regardless of held serial",
      events: [ev(1, "zone.modified"), ev(2, "zone.delete"), ev(3, "zone.add"), ev(4, "zone.modified")],
      plans: [{ zone: "a.test.", deleted: true, sync: true, seqs: [1, 2, 3, 4], eventIds: ["e1", "e2", "e3", "e4"] }],
    },
    {
      name: "a full resync among the events → one full sync",
      events: [ev(1, "zone.modified"), { ...ev(2, "zone.modified"), full: true }, ev(3, "zone.modified")],
      plans: [{ zone: "a.test.", deleted: false, sync: true, seqs: [1, 2, 3], eventIds: ["e1", "e2", "e3"], full: true }],
    },
    {
      name: "zones stay separate, in order of first event",
      events: [ev(1, "zone.modified", "b.test."), ev(2, "zone.add", "a.test."), ev(3, "zone.modified", "b.test.")],
      plans: [
        { zone: "b.test.", deleted: false, sync: true, seqs: [1, 3], eventIds: ["e1", "e3"] },
        { zone: "a.test.", deleted: false, sync: true, seqs: [2], eventIds: ["e2"] },
      ],
    },
  ];
  test.each(cases)("$name", ({ events, plans }) => {
    expect(coalesceEvents(events)).toEqual(plans);
  });
});

describe("retryDelayMs", () => {
  test("0.5 s doubling, capped", () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(n, 3000))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});

describe("runBounded", () => {
  test("never runs more than the limit at once and runs every item", async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5 * (n % 3)));
      done.push(n);
      running--;
    });
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test("limit 1 keeps the order; an empty list is fine", async () => {
    const seen: number[] = [];
    await runBounded([3, 1, 2], 1, async (n) => void seen.push(n));
    expect(seen).toEqual([3, 1, 2]);
    await runBounded([], 8, async () => undefined);
  });
});
