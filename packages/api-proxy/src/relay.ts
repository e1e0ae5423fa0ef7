// Publishes zone events in order. While NATS answers, an event goes straight to JetStream and is answered on its
// ack, without touching the disk; one whose ack is late (ackGraceMs) or whose publish failed is stored in the
// outbox, then published from there one at a time, removed only after the broker's ack, retried with backoff.
// Events submitted together (same turn of the event loop) are stored in one transaction: one fsync per group.
// The decisions are relay-state.ts (pure); this file does the I/O: the outbox, the publisher, timers.
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import type { EventPublisher } from "./announce";
import type { Outbox, OutboxEntry } from "./outbox";
import { initialRelayState, relayStep, waitsForAck } from "./relay-state";
import type { RelayAction, RelayFacts, RelayInput } from "./relay-state";

/** Options of {@link startOutboxRelay}. */
export interface OutboxRelayOptions {
  outbox: Outbox;
  /** The publisher, or undefined while NATS has not connected yet. */
  publisher: () => EventPublisher | undefined;
  logger: Logger;
  /** How long a request waits for its own event to be acknowledged before answering anyway, ms. */
  waitMs: number;
  /** First and largest delay between retries after a failed publish, ms. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * While nothing waits in the outbox, an event is published at once and written to the outbox only when its
   * ack has not come within this many ms (or the publish failed), ms.
   */
  ackGraceMs: number;
  /** Called after each publish attempt (for metrics). */
  onPublish?: (result: "published" | "failed", pending: number) => void;
}

/** A running relay. */
export interface OutboxRelay {
  /**
   * Stores `event` durably and asks for it to be published. Resolves true once the broker acknowledged
   * it, false when it stays in the outbox for now (NATS down or slow); it is published later either way.
   */
  submit(event: ZoneEvent): Promise<boolean>;
  /** Events waiting in the outbox. */
  pending(): number;
  /** Wakes the relay at once (e.g. after NATS reconnected). */
  kick(): void;
  /** Stops after the publish in progress; unpublished events stay in the outbox. */
  stop(): Promise<void>;
}

/** How long an idle relay sleeps when no submit or reconnect wakes it, ms. */
const IDLE_MS = 60_000;

/** A submitted event and the answer to its submitter. */
interface Submitted {
  event: ZoneEvent;
  resolve: (published: boolean) => void;
  reject: (err: Error) => void;
}

/** A group stored in one transaction, and its fsync. */
interface Stored {
  entries: OutboxEntry[];
  durable: Promise<void>;
}

/** A sleep that {@link kick} ends early; a kick while awake makes the next sleep return at once. */
function createWaker(): { pause(ms: number): Promise<void>; kick(): void } {
  let wake: (() => void) | undefined;
  let kicked = false;
  return {
    pause: (ms) =>
      new Promise((resolve) => {
        if (kicked) {
          kicked = false;
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, ms);
        timer.unref();
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    kick() {
      const w = wake;
      wake = undefined;
      if (w) w();
      else kicked = true;
    },
  };
}

/** Requests waiting for the broker's ack of their outbox entry (by seq), each for at most `ms`. */
function createAckWaiters(): { add(seq: number, ms: number, resolve: (published: boolean) => void): void; settle(seq: number, published: boolean): void; releaseAll(): void } {
  const waiters = new Map<number, (published: boolean) => void>();
  const settle = (seq: number, published: boolean): void => {
    const w = waiters.get(seq);
    waiters.delete(seq);
    w?.(published);
  };
  return {
    add(seq, ms, resolve) {
      const timer = setTimeout(() => settle(seq, false), ms);
      waiters.set(seq, (published) => {
        clearTimeout(timer);
        resolve(published);
      });
    },
    settle,
    releaseAll() {
      for (const seq of [...waiters.keys()]) settle(seq, false);
    },
  };
}

/** Stores a group in one transaction and starts its fsync; undefined (each submit rejected) when the write fails. */
function storeAll(outbox: Outbox, group: readonly Submitted[]): Stored | undefined {
  try {
    const entries = outbox.addMany(group.map((g) => g.event));
    return { entries, durable: outbox.synced() };
  } catch (err) {
    for (const g of group) g.reject(err as Error); // not stored: the proxy logs it
    return undefined;
  }
}

/** `g` resolves once `durable` did, or is rejected when the fsync failed. */
function afterSync(durable: Promise<void>, g: Submitted, published: boolean): void {
  durable.then(
    () => g.resolve(published),
    (err: unknown) => g.reject(err as Error),
  );
}

/** Publishes `events` in order, stopping at the first failure; resolves with how many were acknowledged. */
async function publishInOrder(publisher: EventPublisher, events: readonly ZoneEvent[]): Promise<number> {
  let n = 0;
  for (const event of events) {
    try {
      await publisher.publish(event);
    } catch {
      return n; // the rest stays in the outbox for the relay, in order
    }
    n++;
  }
  return n;
}

/** Starts publishing whatever is in the outbox (including what a previous run left). */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  let state = initialRelayState<Submitted>();
  const timing = { retryMinMs: opts.retryMinMs, retryMaxMs: opts.retryMaxMs, idleMs: IDLE_MS };
  const facts = (): RelayFacts => ({ publisher: opts.publisher() !== undefined, backlog: opts.outbox.count() });
  const step = (input: RelayInput<Submitted>): RelayAction<Submitted> => {
    const next = relayStep(state, input, facts(), timing);
    state = next.state;
    return next.action;
  };
  const acks = createAckWaiters();
  const waker = createWaker();
  let turn: Submitted[] = []; // submits of this turn of the event loop (group commit)
  let directRun: Promise<void> = Promise.resolve(); // the direct publish running (mode direct)

  /** Each stored event's submit resolves once durable: with the broker's ack when NATS answers (within waitMs). */
  const awaitPublish = (entries: readonly OutboxEntry[], group: readonly Submitted[], durable: Promise<void>): void => {
    entries.forEach((entry, i) => {
      const g = group[i];
      if (!g) return;
      // While NATS is down the event just waits in the outbox; the backoff (or a reconnect) retries it.
      if (!waitsForAck(state, facts())) return afterSync(durable, g, false);
      acks.add(entry.seq, opts.waitMs, (published) => afterSync(durable, g, published));
      waker.kick();
    });
  };
  const storeInOutbox = (group: readonly Submitted[]): void => {
    const stored = storeAll(opts.outbox, group);
    if (stored) awaitPublish(stored.entries, group, stored.durable);
  };

  /**
   * Fast path while nothing else waits to be published (so the order is kept): the group is handed to NATS at
   * once, and written to the outbox only when its ack has not come within `ackGraceMs` (or the publish failed).
   * An event JetStream acknowledged is stored there (replicated), so the common case costs no disk write and no
   * fsync. Either way a request is answered only once its event is acknowledged or stored durably: a crash
   * before that loses nothing more than before (the change's request has not been answered either).
   * Groups submitted meanwhile wait behind it in memory, in order, until its ack came (then they take this
   * path too) or until it is stored (then they are stored right after it). Resolves true when entries may be
   * left in the outbox for the drain.
   */
  const publishDirect = async (publisher: EventPublisher, group: readonly Submitted[]): Promise<boolean> => {
    const spilled: { stored?: Stored; from: number } = { from: -1 };
    /** Stores group[from…] and every event waiting behind it, in this order. */
    const spill = (from: number): void => {
      const action = step({ type: "spill" });
      const behind = action.do === "store" ? action.events : [];
      const own = group.slice(from);
      spilled.from = from;
      spilled.stored = storeAll(opts.outbox, [...own, ...behind]);
      if (spilled.stored) awaitPublish(spilled.stored.entries.slice(own.length), behind, spilled.stored.durable);
    };
    const timer = setTimeout(() => spill(0), opts.ackGraceMs);
    const n = await publishInOrder(
      publisher,
      group.map((g) => g.event),
    );
    clearTimeout(timer);
    if (spilled.from < 0) {
      for (const g of group.slice(0, n)) g.resolve(true);
      if (n === group.length) return false;
      spill(n); // the publish failed: the rest (and whatever waits behind) goes to the outbox, in order
    }
    const { stored, from } = spilled;
    if (!stored) return false; // could not be stored: each submit was rejected
    group.slice(from).forEach((g, k) => {
      const entry = stored.entries[k];
      const published = from + k < n;
      if (published && entry) {
        opts.outbox.remove(entry.seq);
        opts.onPublish?.("published", opts.outbox.count());
      }
      afterSync(stored.durable, g, published);
    });
    return true;
  };

  const runDirect = (publisher: EventPublisher, group: readonly Submitted[]): void => {
    directRun = publishDirect(publisher, group)
      .catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, "outbox relay error");
        return true;
      })
      .then((leftover) => {
        if (leftover) waker.kick();
        // Acknowledged in time: what waited behind goes the same way (or to the outbox if things changed).
        follow(step({ type: "direct-done", samePublisher: opts.publisher() === publisher }), publisher);
      });
  };
  const follow = (action: RelayAction<Submitted>, publisher: EventPublisher | undefined): void => {
    if (action.do === "publish" && publisher) runDirect(publisher, action.events);
    else if (action.do === "store") storeInOutbox(action.events);
  };
  const endOfTurn = (): void => {
    const group = turn;
    turn = [];
    const publisher = opts.publisher();
    follow(step({ type: "submitted", events: group }), publisher);
  };

  /** Publishes the oldest entries in order; returns false at the first failure. */
  const drain = async (publisher: EventPublisher): Promise<boolean> => {
    for (;;) {
      const batch = opts.outbox.oldest(100);
      if (batch.length === 0) return true;
      for (const entry of batch) {
        if (state.stopped) return true;
        try {
          await publisher.publish(entry.event);
        } catch (err) {
          opts.outbox.failed(entry.seq);
          opts.onPublish?.("failed", opts.outbox.count());
          if (state.failures === 0 || entry.attempts % 20 === 0) {
            opts.logger.warn({ err: (err as Error).message, id: entry.event.id, zone: entry.event.zone, pending: opts.outbox.count() }, "zone event kept in the outbox, will retry");
          }
          return false;
        }
        opts.outbox.remove(entry.seq);
        opts.onPublish?.("published", opts.outbox.count());
        if (state.failures > 0 || entry.attempts > 0) {
          opts.logger.info({ id: entry.event.id, zone: entry.event.zone, attempts: entry.attempts + 1 }, "zone event published from the outbox");
        }
        step({ type: "published" });
        acks.settle(entry.seq, true);
      }
    }
  };

  const loop = (async () => {
    const backlog = opts.outbox.count();
    if (backlog > 0) opts.logger.info({ pending: backlog }, "outbox holds events from before, publishing them first");
    while (!state.stopped) {
      const publisher = opts.publisher();
      if (!publisher) {
        acks.releaseAll();
        await waker.pause(opts.retryMinMs);
        continue;
      }
      let action = step({ type: "drain-start" });
      while (action.do === "wait-direct") {
        await directRun;
        action = step({ type: "drain-start" });
      }
      const ok = await drain(publisher).catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, "outbox relay error");
        return false;
      });
      const next = step({ type: "drain-done", ok });
      if (!ok) acks.releaseAll();
      if (next.do === "pause") await waker.pause(next.ms);
    }
  })();

  return {
    submit(event) {
      return new Promise<boolean>((resolve, reject) => {
        if (turn.length === 0) setImmediate(endOfTurn);
        turn.push({ event, resolve, reject });
      });
    },
    pending: () => opts.outbox.count(),
    kick: () => waker.kick(),
    async stop() {
      step({ type: "stop" });
      waker.kick();
      await loop;
      while (state.mode === "direct") await directRun;
      acks.releaseAll();
    },
  };
}
