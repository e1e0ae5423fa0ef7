// The write gate: at most `limit` writes at once, the rest in arrival order, bounded queue and wait.
import { WriteGateError, createWriteGate, isWriteMethod } from "../src";

test("lets `limit` writes through at once and the others in arrival order as they finish", async () => {
  const gate = createWriteGate({ limit: 2, maxQueued: 10 });
  const order: number[] = [];
  const releases: Array<() => void> = [];
  const all = [0, 1, 2, 3, 4].map((i) =>
    gate.acquire(1000).then((release) => {
      order.push(i);
      releases.push(release);
    }),
  );
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([0, 1]);
  expect([gate.running, gate.queued]).toEqual([2, 3]);
  releases[1]?.();
  releases[1]?.(); // a second call does nothing
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([0, 1, 2]);
  expect([gate.running, gate.queued]).toEqual([2, 2]);
  releases[0]?.();
  releases[2]?.();
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([0, 1, 2, 3, 4]);
  releases[3]?.();
  releases[4]?.();
  await Promise.all(all);
  expect([gate.running, gate.queued]).toEqual([0, 0]);
});

test("refuses at once when max_queued writes wait, and after the timeout; a timed-out waiter does not take a turn", async () => {
  const gate = createWriteGate({ limit: 1, maxQueued: 1 });
  const first = await gate.acquire(1000);
  const waiting = gate.acquire(50);
  await expect(gate.acquire(1000)).rejects.toMatchObject({ reason: "queue_full", status: 503 });
  await expect(waiting).rejects.toBeInstanceOf(WriteGateError);
  await expect(waiting).rejects.toMatchObject({ reason: "timeout" });
  expect(gate.queued).toBe(0);
  const next = gate.acquire(1000);
  first();
  const release = await next; // the turn went to the live waiter, not the one that gave up
  expect(gate.running).toBe(1);
  release();
  expect(gate.running).toBe(0);
});

test("limit 0 lets everything through", async () => {
  const gate = createWriteGate({ limit: 0, maxQueued: 1 });
  const releases = await Promise.all(Array.from({ length: 50 }, () => gate.acquire(10)));
  expect(releases).toHaveLength(50);
  expect([gate.running, gate.queued]).toEqual([0, 0]);
});

test("only GET, HEAD and OPTIONS are not writes", () => {
  expect(["POST", "PUT", "PATCH", "DELETE"].every(isWriteMethod)).toBe(true);
  expect(["GET", "HEAD", "OPTIONS"].some(isWriteMethod)).toBe(false);
  expect(isWriteMethod(undefined)).toBe(false);
});

test("writes riding on a queued one (combined PATCHes) count towards maxQueued", async () => {
  const gate = createWriteGate({ limit: 1, maxQueued: 3 });
  const release = await gate.acquire(1000);
  const waiting = gate.acquire(1000);
  expect(gate.join()).toBe(true);
  expect(gate.join()).toBe(true);
  expect(gate.queued).toBe(3);
  expect(gate.join()).toBe(false); // full: not counted
  await expect(gate.acquire(1000)).rejects.toMatchObject({ reason: "queue_full" });
  gate.left(2);
  expect(gate.queued).toBe(1);
  release();
  (await waiting)();
  expect([gate.running, gate.queued]).toEqual([0, 0]);
});
