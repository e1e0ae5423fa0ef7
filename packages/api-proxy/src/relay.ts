// Publishes the outbox in order: one event at a time, removed only after the broker's ack, retried with backoff.
// Events submitted together (same turn of the event loop) are stored in one transaction: one fsync per group.
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import type { Outbox, OutboxEntry } from "./outbox";
import type { EventPublisher } from "./proxy";

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
  // are stored in one transaction. Under load, requests finishing while an fsync runs form the next group.
  interface Submitted {
    event: ZoneEvent;
    resolve: (published: boolean) => void;
    reject: (err: Error) => void;
  }
  let group: Submitted[] = [];
  const storeGroup = (): void => {
    const current = group;
    group = [];
    let entries: OutboxEntry[];
    try {
      entries = opts.outbox.addMany(current.map((g) => g.event));
    } catch (err) {
      for (const g of current) g.reject(err as Error); // not stored: the proxy logs it, no event exists
      return;
    }
    current.forEach((g, i) => awaitPublish(entries[i] as OutboxEntry, g.resolve));
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
      const ok = await drain(publisher).catch((err: unknown) => {
        opts.logger.error({ err: (err as Error).message }, "outbox relay error");
        return false;
      });
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
      releaseAll();
    },
  };
}
