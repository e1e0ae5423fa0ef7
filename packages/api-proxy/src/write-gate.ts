// Write gate: at most `limit` write requests (POST, PUT, PATCH, DELETE) at PowerDNS at once, the others queued in
// arrival order. PowerDNS' sqlite backend cannot write concurrently: concurrent writes fail with 500 "database is
// locked" and the clients retry, which costs PowerDNS, the proxy and the clients a whole request each time.
// Queued, a burst of writes gets through faster and without a single 500.

/** Thrown by {@link WriteGate.acquire} when the request is not let through; `status` is the HTTP answer (503). */
export class WriteGateError extends Error {
  readonly status = 503;
  constructor(
    message: string,
    readonly reason: "queue_full" | "timeout",
  ) {
    super(message);
  }
}

/** The gate; one per upstream. */
export interface WriteGate {
  /**
   * Resolves with a release function once the write may go to PowerDNS (call it exactly once when PowerDNS has
   * answered or failed); rejects with a {@link WriteGateError} when `maxQueued` writes already wait, or when the
   * turn did not come within `timeoutMs`.
   */
  acquire(timeoutMs: number): Promise<() => void>;
  /** Writes at PowerDNS now. */
  readonly running: number;
  /** Writes waiting for their turn (with those riding on a queued one, see {@link join}). */
  readonly queued: number;
  /**
   * Counts one more write waiting that rides on a queued one (a PATCH combined with another, patch-batch.ts),
   * so that `maxQueued` bounds every waiting request; false (not counted) when `maxQueued` already wait.
   */
  join(): boolean;
  /** `n` writes counted by {@link join} no longer wait (their turn came, or they were refused). */
  left(n: number): void;
}

/** Options of {@link createWriteGate}. */
export interface WriteGateOptions {
  /** Most writes at PowerDNS at once; 0: no limit (every write goes at once). */
  limit: number;
  /** Most writes waiting; beyond that a write is refused at once. */
  maxQueued: number;
}

/** Creates a gate; with `limit` 0 it lets everything through. */
export function createWriteGate(opts: WriteGateOptions): WriteGate {
  let running = 0;
  let riders = 0; // writes counted by join()
  // Waiters in arrival order; a waiter that timed out is removed from the set, so it is skipped.
  const queue = new Set<() => void>();
  const release = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      running--;
      const next = queue.values().next();
      if (!next.done) {
        queue.delete(next.value);
        running++;
        next.value();
      }
    };
  };
  return {
    acquire(timeoutMs) {
      if (opts.limit <= 0) return Promise.resolve(() => undefined);
      if (running < opts.limit && queue.size === 0) {
        running++;
        return Promise.resolve(release());
      }
      if (queue.size + riders >= opts.maxQueued) {
        return Promise.reject(new WriteGateError(`${opts.maxQueued} writes already wait for PowerDNS; try again later`, "queue_full"));
      }
      return new Promise((resolve, reject) => {
        const turn = (): void => {
          clearTimeout(timer);
          resolve(release());
        };
        const timer = setTimeout(() => {
          queue.delete(turn);
          reject(new WriteGateError(`no turn at PowerDNS within ${timeoutMs} ms (${running} writes running, ${queue.size} waiting); not forwarded, try again`, "timeout"));
        }, timeoutMs);
        queue.add(turn);
      });
    },
    get running() {
      return opts.limit <= 0 ? 0 : running;
    },
    get queued() {
      return queue.size + riders;
    },
    join() {
      if (queue.size + riders >= opts.maxQueued) return false;
      riders++;
      return true;
    },
    left(n) {
      riders = Math.max(0, riders - n);
    },
  };
}

/** Whether a request with this method writes (and so goes through the gate). */
export function isWriteMethod(method: string | undefined): boolean {
  return method !== undefined && method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}
