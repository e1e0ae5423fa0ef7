// Publishes zone events in order. While NATS answers, an event goes straight to JetStream and is answered on its
// ack, without touching the disk; one whose ack has not come within ackGraceMs of its submit (or whose publish
// failed) is stored in the outbox and answered once that is on disk, never later, whatever the broker does; it is
// then published from there one at a time, removed only after the broker's ack, retried with backoff.
// Events submitted together (same turn of the event loop) are stored in one transaction: one fsync per group.
// The decisions are relay-state.ts (pure); this file does the I/O: the outbox, the publisher, timers.
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import type { EventPublisher } from "./announce";
import type { Outbox, OutboxEntry } from "./outbox";
import { initialRelayState, relayStep } from "./relay-state";
import type { RelayAction, RelayFacts, RelayInput } from "./relay-state";

/** Options of {@link startOutboxRelay}. */
export interface OutboxRelayOptions {
  outbox: Outbox;
  /** The publisher, or undefined while NATS has not connected yet. */
  publisher: () => EventPublisher | undefined;
  logger: Logger;
  /** First and largest delay between retries after a failed publish, ms. */
  retryMinMs: number;
  retryMaxMs: number;
  /**
   * While nothing waits in the outbox, an event is published at once and written to the outbox only when its
   * ack has not come within this many ms of its submit (or the publish failed), ms. Every submit is answered
   * within this time plus one fsync.
   */
  ackGraceMs: number;
  /** Called after each publish attempt (for metrics). */
  onPublish?: (result: "published" | "failed", pending: number) => void;
}

/** A running relay. */
export interface OutboxRelay {
  /**
   * Asks for `event` to be published. Resolves true once the broker acknowledged it (within ackGraceMs), false
   * once it is stored durably in the outbox instead (NATS down or slow); it is published later either way.
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
  /** When it was submitted (performance.now()): its ack grace counts from here. */
  at: number;
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

/**
 * Publishes `events` in order, stopping at the first failure; `onAck(i)` after each acknowledged one. Resolves with
 * how many were acknowledged.
 */
async function publishInOrder(publisher: EventPublisher, events: readonly ZoneEvent[], onAck: (i: number) => void): Promise<number> {
  let n = 0;
  for (const event of events) {
    try {
      await publisher.publish(event);
    } catch {
      return n; // the rest stays in the outbox for the relay, in order
    }
    onAck(n++);
  }
  return n;
}

/** What {@link publishDirect} needs of the relay. */
interface DirectHooks {
  ackGraceMs: number;
  /** Stores `rest` (not acknowledged yet) and every event waiting behind it, in this order; undefined: not stored. */
  spill(rest: readonly Submitted[]): Stored | undefined;
  /** Stored entries JetStream acknowledged after all: removed, so they are not published again. */
  acknowledged(entries: readonly OutboxEntry[]): void;
}

/**
 * Fast path while nothing else waits to be published (so the order is kept): the group is handed to NATS at
 * once; each event is answered on its ack. An event JetStream acknowledged is stored there (replicated), so the
 * common case costs no disk write and no fsync. Events whose ack has not come within `ackGraceMs` of their submit
 * (or whose publish failed) are written to the outbox with every group that waits behind them, in order, and
 * answered once that is on disk, however long the broker takes: a crash before that loses nothing more than
 * before (the change's request has not been answered either). Groups submitted meanwhile wait behind it in
 * memory, in order, until its ack came (then they take this path too) or until it is stored (then they are stored
 * right after it). Resolves true when entries may be left in the outbox for the drain.
 */
async function publishDirect(publisher: EventPublisher, group: readonly Submitted[], hooks: DirectHooks): Promise<boolean> {
  let acked = 0;
  const spilled: { stored?: Stored; from: number } = { from: -1 };
  const spill = (): void => {
    spilled.from = acked;
    spilled.stored = hooks.spill(group.slice(acked));
  };
  const oldest = group[0]?.at ?? performance.now();
  const timer = setTimeout(spill, Math.max(0, hooks.ackGraceMs - (performance.now() - oldest)));
  const n = await publishInOrder(
    publisher,
    group.map((g) => g.event),
    (i) => {
      acked = i + 1;
      if (spilled.from < 0) group[i]?.resolve(true);
    },
  );
  clearTimeout(timer);
  if (spilled.from < 0) {
    if (n === group.length) return false;
    spill(); // the publish failed: the rest (and whatever waits behind) goes to the outbox, in order
  }
  const { stored, from } = spilled;
  hooks.acknowledged(stored?.entries.slice(0, Math.max(0, n - from)) ?? []);
  return stored !== undefined;
}

/** What {@link drainOutbox} needs of the relay. */
interface DrainHooks {
  outbox: Outbox;
  logger: Logger;
  onPublish?: OutboxRelayOptions["onPublish"];
  stopped(): boolean;
  /** Failed drains in a row (a warning only for the first, then every 20th attempt). */
  failures(): number;
  /** The broker acknowledged a publish. */
  published(): void;
}

/** Publishes the oldest outbox entries in order, removing each once acknowledged; false at the first failure. */
async function drainOutbox(publisher: EventPublisher, h: DrainHooks): Promise<boolean> {
  for (;;) {
    const batch = h.outbox.oldest(100);
    if (batch.length === 0) return true;
    for (const entry of batch) {
      if (h.stopped()) return true;
      try {
        await publisher.publish(entry.event);
      } catch (err) {
        h.outbox.failed(entry.seq);
        h.onPublish?.("failed", h.outbox.count());
        if (h.failures() === 0 || entry.attempts % 20 === 0) {
          h.logger.warn({ err: (err as Error).message, id: entry.event.id, zone: entry.event.zone, pending: h.outbox.count() }, "zone event kept in the outbox, will retry");
        }
        return false;
      }
      h.outbox.remove(entry.seq);
      h.onPublish?.("published", h.outbox.count());
      // Each event stored in the outbox (logged when stored) is logged once more when it leaves it.
      h.logger.info({ id: entry.event.id, zone: entry.event.zone, attempts: entry.attempts + 1 }, "zone event published from the outbox");
      h.published();
    }
  }
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
  const waker = createWaker();
  let turn: Submitted[] = []; // submits of this turn of the event loop (group commit)
  let directRun: Promise<void> = Promise.resolve(); // the direct publish running (mode direct)

  /** Stores `group` in the outbox (the drain publishes it); each submit is answered once it is on disk. */
  const storeInOutbox = (group: readonly Submitted[]): Stored | undefined => {
    const stored = storeAll(opts.outbox, group);
    if (!stored) return undefined;
    for (const g of group) afterSync(stored.durable, g, false);
    waker.kick();
    return stored;
  };

  const runDirect = (publisher: EventPublisher, group: readonly Submitted[]): void => {
    const hooks: DirectHooks = {
      ackGraceMs: opts.ackGraceMs,
      spill(rest) {
        const action = step({ type: "spill" });
        return storeInOutbox([...rest, ...(action.do === "store" ? action.events : [])]);
      },
      acknowledged(entries) {
        for (const entry of entries) {
          opts.outbox.remove(entry.seq);
          opts.onPublish?.("published", opts.outbox.count());
        }
      },
    };
    directRun = publishDirect(publisher, group, hooks)
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

  const drainHooks: DrainHooks = {
    outbox: opts.outbox,
    logger: opts.logger,
    onPublish: opts.onPublish,
    stopped: () => state.stopped,
    failures: () => state.failures,
    published: () => void step({ type: "published" }),
  };
  const loop = (async () => {
    const backlog = opts.outbox.count();
    if (backlog > 0) opts.logger.info({ pending: backlog }, "outbox holds events from before, publishing them first");
    while (!state.stopped) {
      const publisher = opts.publisher();
      if (!publisher) {
        await waker.pause(opts.retryMinMs);
        continue;
      }
      let action = step({ type: "drain-start" });
      while (action.do === "wait-direct") {
        await directRun;
        action = step({ type: "drain-start" });
      }
      const ok = await drainOutbox(publisher, drainHooks).catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, "outbox relay error");
        return false;
      });
      const next = step({ type: "drain-done", ok });
      if (next.do === "pause") await waker.pause(next.ms);
    }
  })();

  return {
    submit(event) {
      return new Promise<boolean>((resolve, reject) => {
        if (turn.length === 0) setImmediate(endOfTurn);
        turn.push({ event, at: performance.now(), resolve, reject });
      });
    },
    pending: () => opts.outbox.count(),
    kick: () => waker.kick(),
    async stop() {
      step({ type: "stop" });
      waker.kick();
      await loop;
      while (state.mode === "direct") await directRun;
    },
  };
}
