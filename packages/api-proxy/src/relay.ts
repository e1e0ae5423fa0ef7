// Publishes zone events in order. While NATS answers, an event goes straight to JetStream and is answered on its
// ack, without touching the disk; one whose ack is late (ackGraceMs) or whose publish failed is stored in the
// outbox, then published from there one at a time, removed only after the broker's ack, retried with backoff.
// Events submitted together (same turn of the event loop) are stored in one transaction: one fsync per group.
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import type { Outbox, OutboxEntry } from "./outbox";
import type { EventPublisher } from "./announce";

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

/** Delay before retry number `failures` (1-based): doubling from `min`, capped at `max`. */
export function retryDelay(failures: number, min: number, max: number): number {
  return Math.min(max, min * 2 ** Math.min(20, Math.max(0, failures - 1)));
}

/** Starts publishing whatever is in the outbox (including what a previous run left). */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const waiters = new Map<number, (published: boolean) => void>();
  let stopped = false;
  let failures = 0;
  let wake: (() => void) | undefined;
  let kicked = false; // a kick that came while not paused: the next pause returns at once
  const kick = (): void => {
    const w = wake;
    wake = undefined;
    if (w) w();
    else kicked = true;
  };
  const pause = (ms: number): Promise<void> =>
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
    });
  const settle = (seq: number, published: boolean): void => {
    const w = waiters.get(seq);
    waiters.delete(seq);
    w?.(published);
  };
  const releaseAll = (): void => {
    for (const seq of [...waiters.keys()]) settle(seq, false);
  };

  /** Settles `resolve` once the stored entry's broker ack came (true), or false when it is left for later. */
  const awaitPublish = (entry: OutboxEntry, resolve: (published: boolean) => void): void => {
    // While NATS is down the event just waits in the outbox; the backoff (or a reconnect) retries it.
    if (failures > 0 || !opts.publisher()) {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => settle(entry.seq, false), opts.waitMs);
    waiters.set(entry.seq, (published) => {
      clearTimeout(timer);
      resolve(published);
    });
    kick();
  };

  // Group commit: submits wait for the end of this turn of the event loop (setImmediate), then all of them
  // are stored in one transaction. Its fsync runs on the thread pool (Outbox.synced); groups stored while one
  // runs share the next fsync.
  interface Submitted {
    event: ZoneEvent;
    resolve: (published: boolean) => void;
    reject: (err: Error) => void;
  }
  let group: Submitted[] = [];
  let draining = false; // the relay loop is publishing from the outbox
  let direct: Promise<void> | undefined; // a group published straight away (below); the relay waits for it

  /**
   * Stores a group in one transaction and starts its fsync (`durable`); undefined (each submit rejected) when
   * the write fails.
   */
  const storeAll = (current: Submitted[]): { entries: OutboxEntry[]; durable: Promise<void> } | undefined => {
    try {
      const entries = opts.outbox.addMany(current.map((g) => g.event));
      return { entries, durable: opts.outbox.synced() };
    } catch (err) {
      for (const g of current) g.reject(err as Error); // not stored: the proxy logs it
      return undefined;
    }
  };
  /** Each submit of the group resolves once `durable` did, or is rejected when the fsync failed. */
  const afterSync = (durable: Promise<void>, g: Submitted, published: boolean): void => {
    durable.then(
      () => g.resolve(published),
      (err: unknown) => g.reject(err as Error),
    );
  };

  /** Publishes `events` in order, stopping at the first failure; resolves with how many were acknowledged. */
  const publishInOrder = async (publisher: EventPublisher, events: ZoneEvent[]): Promise<number> => {
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
  };

  /**
   * Fast path while nothing else waits to be published (so the order is kept): the group is handed to NATS at
   * once, and written to the outbox only when its ack has not come within `ackGraceMs` (or the publish failed).
   * An event JetStream acknowledged is stored there (replicated), so the common case costs no disk write and no
   * fsync. Either way a request is answered only once its event is acknowledged or stored durably: a crash
   * before that loses nothing more than before (the change's request has not been answered either).
   * Groups submitted meanwhile wait behind it in memory, in order, until its ack came (then they take this
   * path too) or until it is stored (then they are stored right after it).
   */
  let behindDirect: Submitted[] = [];
  let directStored = false;
  const publishFirst = async (publisher: EventPublisher, current: Submitted[]): Promise<boolean> => {
    directStored = false;
    let stored: ReturnType<typeof storeAll> | null = null; // null: not stored (yet)
    let storedFrom = 0; // index in `current` of the first stored event
    /** Stores current[from…] and every group waiting behind it, in this order. */
    const store = (from: number): void => {
      directStored = true;
      storedFrom = from;
      const behind = behindDirect;
      behindDirect = [];
      stored = storeAll([...current.slice(from), ...behind]);
      const own = current.length - from;
      // The groups behind are now ordinary outbox entries: the relay publishes them after this group.
      stored?.entries.slice(own).forEach((entry, i) => awaitPublish(entry, (published) => afterSync(stored!.durable, behind[i] as Submitted, published)));
    };
    const timer = setTimeout(() => store(0), opts.ackGraceMs);
    const n = await publishInOrder(
      publisher,
      current.map((g) => g.event),
    );
    clearTimeout(timer);
    if (stored === null && !directStored) {
      for (const g of current.slice(0, n)) g.resolve(true);
      if (n === current.length) return false;
      store(n); // the publish failed: the rest (and whatever waits behind) goes to the outbox, in order
    }
    const s = stored as ReturnType<typeof storeAll> | null;
    if (!s) return false; // could not be stored: each submit was rejected
    current.slice(storedFrom).forEach((g, k) => {
      const entry = s.entries[k] as OutboxEntry;
      const published = storedFrom + k < n;
      if (published) {
        opts.outbox.remove(entry.seq);
        opts.onPublish?.("published", opts.outbox.count());
      }
      afterSync(s.durable, g, published);
    });
    return true; // entries may be left in the outbox for the relay
  };

  const storeGroup = (): void => {
    const current = group;
    group = [];
    if (direct !== undefined && !directStored) {
      behindDirect.push(...current); // kept in order behind the group being published
      return;
    }
    const publisher = opts.publisher();
    if (publisher && failures === 0 && !draining && direct === undefined && !stopped && opts.outbox.count() === 0) {
      const run = (batch: Submitted[]): void => {
        direct = publishFirst(publisher, batch).then((leftover) => {
          direct = undefined;
          if (leftover) kick();
          if (behindDirect.length > 0) {
            // Acknowledged in time: what waited behind goes the same way (or to the outbox if things changed).
            const next = behindDirect;
            behindDirect = [];
            if (failures === 0 && !draining && !stopped && opts.outbox.count() === 0 && opts.publisher() === publisher) run(next);
            else storeInOutbox(next);
          }
        });
      };
      run(current);
      return;
    }
    storeInOutbox(current);
  };

  /** Stores a group in the outbox; the relay publishes it. */
  const storeInOutbox = (current: Submitted[]): void => {
    const stored = storeAll(current);
    stored?.entries.forEach((entry, i) => awaitPublish(entry, (published) => afterSync(stored.durable, current[i] as Submitted, published)));
  };

  /** Publishes the oldest entries in order; returns false at the first failure. */
  const drain = async (publisher: EventPublisher): Promise<boolean> => {
    for (;;) {
      const batch = opts.outbox.oldest(100);
      if (batch.length === 0) return true;
      for (const entry of batch) {
        if (stopped) return true;
        try {
          await publisher.publish(entry.event);
        } catch (err) {
          opts.outbox.failed(entry.seq);
          opts.onPublish?.("failed", opts.outbox.count());
          if (failures === 0 || entry.attempts % 20 === 0) {
            opts.logger.warn({ err: (err as Error).message, id: entry.event.id, zone: entry.event.zone, pending: opts.outbox.count() }, "zone event kept in the outbox, will retry");
          }
          return false;
        }
        opts.outbox.remove(entry.seq);
        opts.onPublish?.("published", opts.outbox.count());
        if (failures > 0 || entry.attempts > 0) {
          opts.logger.info({ id: entry.event.id, zone: entry.event.zone, attempts: entry.attempts + 1 }, "zone event published from the outbox");
        }
        failures = 0;
        settle(entry.seq, true);
      }
    }
  };

  const loop = (async () => {
    const backlog = opts.outbox.count();
    if (backlog > 0) opts.logger.info({ pending: backlog }, "outbox holds events from before, publishing them first");
    while (!stopped) {
      const publisher = opts.publisher();
      if (!publisher) {
        releaseAll();
        await pause(opts.retryMinMs);
        continue;
      }
      while (direct) await direct;
      draining = true;
      const ok = await drain(publisher).catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, "outbox relay error");
        return false;
      });
      draining = false;
      if (ok) {
        await pause(60_000); // idle until the next submit
      } else {
        failures++;
        releaseAll();
        await pause(retryDelay(failures, opts.retryMinMs, opts.retryMaxMs));
      }
    }
  })();

  return {
    submit(event) {
      return new Promise<boolean>((resolve, reject) => {
        if (group.length === 0) setImmediate(storeGroup);
        group.push({ event, resolve, reject });
      });
    },
    pending: () => opts.outbox.count(),
    kick,
    async stop() {
      stopped = true;
      kick();
      await loop;
      while (direct) await direct;
      releaseAll();
    },
  };
}
