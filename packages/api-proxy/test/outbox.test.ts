// The durable outbox and its relay: events kept in order while publishing fails, published once it works.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, newZoneEvent } from "@pdns-distribute/core";
import type { ZoneEvent } from "@pdns-distribute/core";
import { openOutbox, retryDelay, startOutboxRelay } from "../src";
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
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, waitMs: 500, retryMinMs: 10, retryMaxMs: 20 });
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
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, waitMs: 500, retryMinMs: 10, retryMaxMs: 20 });
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

  test("submits made together are stored as one group before any of them resolves, published in order", async () => {
    const outbox = openOutbox(":memory:");
    const groups: number[] = [];
    const addMany = outbox.addMany.bind(outbox);
    outbox.addMany = (events) => {
      groups.push(events.length);
      return addMany(events);
    };
    const published: string[] = [];
    const publisher: EventPublisher = { publish: async (e) => void published.push(e.zone) };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, waitMs: 2000, retryMinMs: 10, retryMaxMs: 20 });
    const events = [1, 2, 3, 4].map((i) => newZoneEvent("zone.modified", `z${i}.test.`));
    expect(await Promise.all(events.map((e) => relay.submit(e)))).toEqual([true, true, true, true]);
    expect(await relay.submit(newZoneEvent("zone.add", "z5.test."))).toBe(true);
    expect(groups).toEqual([4, 1]);
    expect(published).toEqual(["z1.test.", "z2.test.", "z3.test.", "z4.test.", "z5.test."]);
    expect(relay.pending()).toBe(0);
    await relay.stop();
    outbox.close();
  });

  test("an idle relay hands an event to NATS before its fsync, answers after both, and keeps the order behind it", async () => {
    const outbox = openOutbox(":memory:");
    const storedAtPublish: number[] = [];
    const published: string[] = [];
    let release: (() => void) | undefined;
    const publisher: EventPublisher = {
      publish: async (e) => {
        storedAtPublish.push(outbox.count());
        if (e.zone === "slow.test.") await new Promise<void>((r) => (release = r));
        published.push(e.zone);
      },
    };
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, waitMs: 5000, retryMinMs: 10, retryMaxMs: 20 });
    expect(await relay.submit(newZoneEvent("zone.add", "a.test."))).toBe(true);
    expect(storedAtPublish).toEqual([0]); // published before it was written to the outbox
    expect(relay.pending()).toBe(0);
    // While a direct publish waits for its ack, later events are stored and published after it, in order.
    const slow = relay.submit(newZoneEvent("zone.modified", "slow.test."));
    await new Promise((r) => setTimeout(r, 20));
    const later = relay.submit(newZoneEvent("zone.modified", "later.test."));
    await new Promise((r) => setTimeout(r, 20));
    expect(relay.pending()).toBe(2);
    release?.();
    expect(await Promise.all([slow, later])).toEqual([true, true]);
    expect(published).toEqual(["a.test.", "slow.test.", "later.test."]);
    expect(relay.pending()).toBe(0);
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
    const relay = startOutboxRelay({ outbox, publisher: () => publisher, logger, waitMs: 2000, retryMinMs: 10, retryMaxMs: 20 });
    const first = await relay.submit(newZoneEvent("zone.add", "a.test."));
    const deadline = Date.now() + 5000;
    while (relay.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(typeof first).toBe("boolean");
    expect(published).toEqual(["a.test."]);
    await relay.stop();
    outbox.close();
  });

  test("a group that cannot be stored rejects each submit (no event exists)", async () => {
    const outbox = openOutbox(":memory:");
    outbox.addMany = () => {
      throw new Error("disk full");
    };
    const relay = startOutboxRelay({ outbox, publisher: () => undefined, logger, waitMs: 100, retryMinMs: 10, retryMaxMs: 20 });
    const results = await Promise.allSettled([relay.submit(newZoneEvent("zone.add", "a.test.")), relay.submit(newZoneEvent("zone.add", "b.test."))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await relay.stop();
    outbox.close();
  });

  test("retryDelay doubles and caps", () => {
    expect([1, 2, 3, 8].map((n) => retryDelay(n, 250, 1000))).toEqual([250, 500, 1000, 1000]);
  });
});
