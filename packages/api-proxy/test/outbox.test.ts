// The durable outbox and its relay: events kept in order while publishing fails, published once it works.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, newZoneEvent } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { openOutbox, startOutboxRelay } from "../src";
import type { EventPublisher } from "../src";

const logger = createLogger("test", "silent");

describe("outbox", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "outbox-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("entries survive reopening, oldest first", () => {
    const file = join(dir, "o.sqlite3");
    const a = openOutbox(file);
    const e1 = a.add(newZoneEvent("zone.add", "a.test."));
    a.add(newZoneEvent("zone.delete", "a.test."));
    a.remove(e1.seq);
    a.close();
    const b = openOutbox(file);
    expect(b.oldest(10).map((e) => [e.event.type, e.event.zone])).toEqual([["zone.delete", "a.test."]]);
    b.close();
  });

  test("relay keeps events while publishing fails and publishes them in order later", async () => {
    const outbox = openOutbox(":memory:");
    const published: ZoneEvent[] = [];
    let up = false;
    const publisher: EventPublisher = {
      publish: async (e) => {
        if (!up) throw new Error("NATS down");
        published.push(e);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    const events = [1, 2, 3].map((i) => newZoneEvent("zone.modified", `z${i}.test.`));
    const results = await Promise.all(events.map((e) => relay.submit(e)));
    expect(results).toEqual([false, false, false]);
    expect(relay.pending()).toBe(3);
    up = true;
    const deadline = Date.now() + 5000;
    while (relay.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(published.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await relay.submit(newZoneEvent("zone.add", "new.test."))).toBe(true);
    await relay.stop();
    outbox.close();
  });

  test("relay waits for a publisher (NATS not connected yet)", async () => {
    const outbox = openOutbox(":memory:");
    let publisher: EventPublisher | undefined;
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    expect(await relay.submit(newZoneEvent("zone.add", "a.test."))).toBe(false);
    const seen: string[] = [];
    publisher = { publish: async (e) => void seen.push(e.zone) };
    relay.kick();
    const deadline = Date.now() + 5000;
    while (relay.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(["a.test."]);
    await relay.stop();
    outbox.close();
  });

  test("addMany stores a group in order, in one transaction", () => {
    const file = join(dir, "g.sqlite3");
    const a = openOutbox(file);
    const entries = a.addMany([1, 2, 3].map((i) => newZoneEvent("zone.modified", `z${i}.test.`)));
    expect(entries.map((e) => e.seq)).toEqual([entries[0]!.seq, entries[0]!.seq + 1, entries[0]!.seq + 2]);
    expect(a.addMany([])).toEqual([]);
    a.remove(entries[1]!.seq);
    a.close();
    const b = openOutbox(file);
    expect(b.oldest(10).map((e) => e.event.zone)).toEqual(["z1.test.", "z3.test."]);
    b.close();
  });

  test("submits made together whose ack is late are stored as one group and answered once stored (not on the ack, issue 21 item 7), published in order", async () => {
    const outbox = openOutbox(":memory:");
    const groups: number[] = [];
    const addMany = outbox.addMany.bind(outbox);
    outbox.addMany = (events) => {
      groups.push(events.length);
      return addMany(events);
    };
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (e) => {
        await new Promise((r) => setTimeout(r, 20)); // later than ackGraceMs
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    const events = [1, 2, 3, 4].map((i) => newZoneEvent("zone.modified", `z${i}.test.`));
    const started = performance.now();
    expect(await Promise.all(events.map((e) => relay.submit(e)))).toEqual([false, false, false, false]); // stored
    expect(published.length).toBeLessThan(4); // answered before the acks of all four came (20 ms each)
    expect(await relay.submit(newZoneEvent("zone.add", "z5.test."))).toBe(false); // behind stored events: stored too
    expect(performance.now() - started).toBeLessThan(60);
    expect(groups).toEqual([4, 1]);
    for (let i = 0; i < 100 && relay.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual(["z1.test.", "z2.test.", "z3.test.", "z4.test.", "z5.test."]);
    expect(relay.pending()).toBe(0);
    await relay.stop();
    outbox.close();
  });

  test("an idle relay publishes at once and stores nothing when the ack comes in time; a late ack is stored and answered without waiting for it, the order kept behind it", async () => {
    const outbox = openOutbox(":memory:");
    const writes: string[] = [];
    const addMany = outbox.addMany.bind(outbox);
    outbox.addMany = (events) => (writes.push(...events.map((e) => e.zone)), addMany(events));
    const published: string[] = [];
    let release: (() => void) | undefined;
    const publisher: EventPublisher = {
      publish: async (e) => {
        if (e.zone === "slow.test.") await new Promise<void>((r) => (release = r));
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    expect(await relay.submit(newZoneEvent("zone.add", "a.test."))).toBe(true);
    expect(writes).toEqual([]); // acknowledged within ackGraceMs: never written to the outbox
    // An ack later than ackGraceMs: the event is stored; later events are stored and published after it, in order.
    const slow = relay.submit(newZoneEvent("zone.modified", "slow.test."));
    await new Promise((r) => setTimeout(r, 30));
    expect(relay.pending()).toBe(1);
    const later = relay.submit(newZoneEvent("zone.modified", "later.test."));
    await new Promise((r) => setTimeout(r, 20));
    expect(relay.pending()).toBe(2);
    expect(await Promise.all([slow, later])).toEqual([false, false]); // answered while the ack is still withheld
    release?.();
    for (let i = 0; i < 100 && relay.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual(["a.test.", "slow.test.", "later.test."]);
    expect(writes).toEqual(["slow.test.", "later.test."]);
    expect(relay.pending()).toBe(0);
    await relay.stop();
    outbox.close();
  });

  test("events submitted while a publish waits for its ack wait behind it in memory, then go the same way, in order", async () => {
    const outbox = openOutbox(":memory:");
    const writes: string[] = [];
    const addMany = outbox.addMany.bind(outbox);
    outbox.addMany = (events) => (writes.push(...events.map((e) => e.zone)), addMany(events));
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (e) => {
        await new Promise((r) => setTimeout(r, 5));
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 1000 });
    const results: Array<Promise<boolean>> = [];
    for (let i = 0; i < 5; i++) {
      results.push(relay.submit(newZoneEvent("zone.modified", `z${i}.test.`)));
      await new Promise((r) => setImmediate(r)); // separate groups, each arriving while the one before waits
    }
    expect(await Promise.all(results)).toEqual([true, true, true, true, true]);
    expect(published).toEqual(["z0.test.", "z1.test.", "z2.test.", "z3.test.", "z4.test."]);
    expect(writes).toEqual([]);
    await relay.stop();
    outbox.close();
  });

  test("a publish that fails stores the event and what waits behind it, in order, for the relay", async () => {
    const outbox = openOutbox(":memory:");
    let fail = true;
    let release: (() => void) | undefined;
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (e) => {
        if (fail && e.zone === "a.test.") {
          await new Promise<void>((r) => (release = r));
          fail = false;
          throw new Error("no responders");
        }
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 1000 });
    const a = relay.submit(newZoneEvent("zone.modified", "a.test."));
    await new Promise((r) => setTimeout(r, 5));
    const b = relay.submit(newZoneEvent("zone.modified", "b.test."));
    await new Promise((r) => setTimeout(r, 5));
    expect(relay.pending()).toBe(0); // b waits in memory behind a
    release?.();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(false); // stored, published later by the relay
    expect(typeof rb).toBe("boolean");
    for (let i = 0; i < 100 && relay.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual(["a.test.", "b.test."]);
    await relay.stop();
    outbox.close();
  });

  test("a direct publish that fails leaves the event to the relay, which retries it", async () => {
    const outbox = openOutbox(":memory:");
    let fail = 1;
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (e) => {
        if (fail-- > 0) throw new Error("timeout");
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    const first = await relay.submit(newZoneEvent("zone.add", "a.test."));
    const deadline = Date.now() + 5000;
    while (relay.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(typeof first).toBe("boolean");
    expect(published).toEqual(["a.test."]);
    await relay.stop();
    outbox.close();
  });

  test("with the broker hanging (each publish fails after 1 s), every submit is answered within ackGraceMs plus the store; all are published in order once it is back (issue 21 item 7)", async () => {
    const outbox = openOutbox(":memory:");
    let broken = true;
    const published: string[] = [];
    const publisher: EventPublisher = {
      publish: async (e) => {
        if (broken) {
          await new Promise((r) => setTimeout(r, 1000));
          throw new Error("TIMEOUT");
        }
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, retryMinMs: 20, retryMaxMs: 100, ackGraceMs: 50 });
    const answeredMs: number[] = [];
    const zones = Array.from({ length: 10 }, (_, i) => `z${i}.test.`);
    for (const zone of zones) {
      const t0 = performance.now();
      expect(await relay.submit(newZoneEvent("zone.modified", zone))).toBe(false);
      answeredMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    // 50 ms of grace (the first one only: the others go to the outbox behind it) plus an in-memory store; margin for a loaded machine.
    expect(Math.max(...answeredMs)).toBeLessThan(50 + 150);
    broken = false;
    relay.kick();
    for (let i = 0; i < 500 && relay.pending() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published).toEqual(zones);
    await relay.stop();
    outbox.close();
  });

  test("a group that cannot be stored rejects each submit (no event exists)", async () => {
    const outbox = openOutbox(":memory:");
    outbox.addMany = () => {
      throw new Error("disk full");
    };
    const relay = startOutboxRelay({ outbox, publisher: () => undefined, logger, retryMinMs: 10, retryMaxMs: 20, ackGraceMs: 10 });
    const results = await Promise.allSettled([relay.submit(newZoneEvent("zone.add", "a.test.")), relay.submit(newZoneEvent("zone.add", "b.test."))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await relay.stop();
    outbox.close();
  });
});
