// Watches zone events (core subscription on the stream's subjects) and runs an event check after a delay.
import { subscribeZoneEvents } from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";

/** Most zones waiting for their check; beyond it events are left to the periodic check. */
export const MAX_PENDING_EVENT_CHECKS = 100_000;

/** Options of {@link startEventWatch}. */
export interface EventWatchOptions {
  delayMs: number;
  logger: Logger;
  /** Whether to act (this checker holds the lock). */
  active(): boolean;
  /** Runs the check for one zone. */
  check(zone: string): Promise<void>;
  onPending?(n: number): void;
}

/** A running watch. */
export interface EventWatch {
  pending(): number;
  stop(): Promise<void>;
}

/**
 * Subscribes to `pdns.zone.events.>`. Events for everyone (not targeted resyncs, which would loop) schedule
 * a check of their zone `delayMs` later; several events for one zone within the delay make one check.
 */
export function startEventWatch(nc: NatsConnection, opts: EventWatchOptions): EventWatch {
  const pending = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  const fire = (zone: string) => {
    pending.delete(zone);
    opts.onPending?.(pending.size);
    if (!opts.active()) return;
    const p = opts
      .check(zone)
      .catch((err: unknown) => opts.logger.warn({ zone, err: (err as Error).message }, "event check failed"))
      .finally(() => running.delete(p));
    running.add(p);
  };
  const sub = subscribeZoneEvents(nc, {
    onEvent: (event) => {
      if (event.target !== undefined || !opts.active()) return;
      const zone = normalizeName(event.zone);
      if (pending.has(zone) || pending.size >= MAX_PENDING_EVENT_CHECKS) return;
      pending.set(zone, setTimeout(() => fire(zone), opts.delayMs));
      opts.onPending?.(pending.size);
    },
    onInvalid: (e) => opts.logger.debug({ err: e.message }, "unreadable zone event ignored by the event check"),
  });
  return {
    pending: () => pending.size,
    async stop() {
      sub.unsubscribe();
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
      await Promise.all(running);
    },
  };
}
