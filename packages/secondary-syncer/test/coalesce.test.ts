// Coalescing of zone events per zone: one transfer for a run of changes, delete/re-create order kept.
import { coalesceEvents, retryDelayMs } from "../src";
import type { PendingZoneEvent } from "../src";

const ev = (seq: number, type: PendingZoneEvent["type"], zone = "a.test."): PendingZoneEvent => ({ seq, type, zone });

describe("coalesceEvents", () => {
  const cases: Array<{ name: string; events: PendingZoneEvent[]; plans: unknown[] }> = [
    { name: "empty", events: [], plans: [] },
    {
      name: "many modifies → one sync",
      events: [ev(1, "zone.modified"), ev(2, "zone.modified"), ev(3, "zone.modified")],
      plans: [{ zone: "a.test.", deleted: false, sync: true, seqs: [1, 2, 3] }],
    },
    {
      name: "add then delete → delete",
      events: [ev(1, "zone.add"), ev(2, "zone.modified"), ev(3, "zone.delete")],
      plans: [{ zone: "a.test.", deleted: true, sync: false, seqs: [1, 2, 3] }],
    },
    {
      name: "delete then re-create → replace regardless of held serial",
      events: [ev(1, "zone.modified"), ev(2, "zone.delete"), ev(3, "zone.add"), ev(4, "zone.modified")],
      plans: [{ zone: "a.test.", deleted: true, sync: true, seqs: [1, 2, 3, 4] }],
    },
    {
      name: "zones stay separate, in order of first event",
      events: [ev(1, "zone.modified", "b.test."), ev(2, "zone.add", "a.test."), ev(3, "zone.modified", "b.test.")],
      plans: [
        { zone: "b.test.", deleted: false, sync: true, seqs: [1, 3] },
        { zone: "a.test.", deleted: false, sync: true, seqs: [2] },
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
