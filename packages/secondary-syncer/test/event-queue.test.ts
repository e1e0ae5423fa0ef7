// The consumer's queue bookkeeping: backlog and pending zones across queueing, a batch and its settling.
import { EventQueue } from "../src";

describe("EventQueue", () => {
  test("queued and in-batch messages are pending until the batch is done", () => {
    const q = new EventQueue<string>();
    q.push("m1", "a.test.");
    q.push("m2", "a.test.");
    q.push("m3", undefined);
    expect([q.length, q.backlog(), q.hasPending("a.test."), q.hasPending("b.test.")]).toEqual([3, 3, true, false]);
    expect([...q.waitingZones()]).toEqual([["a.test.", 2]]);

    expect(q.takeBatch()).toEqual(["m1", "m2", "m3"]);
    q.push("m4", "b.test.");
    expect([q.length, q.backlog(), q.hasPending("a.test."), q.hasPending("b.test.")]).toEqual([1, 4, true, true]);
    expect([...q.waitingZones().keys()]).toEqual(["b.test."]);

    q.batchDone();
    expect([q.backlog(), q.hasPending("a.test."), q.hasPending("b.test.")]).toEqual([1, false, true]);
    expect(q.drain()).toEqual(["m4"]);
    expect([q.length, q.backlog(), q.hasPending("b.test.")]).toEqual([0, 0, false]);
  });
});
