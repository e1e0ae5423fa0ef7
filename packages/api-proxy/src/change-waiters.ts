// Requests waiting for a change to be in sync (GET /changes/{id}?wait=): each rechecked whenever something happened.

/** The waiting requests. */
export interface ChangeWaiters {
  /** Requests waiting now. */
  readonly size: number;
  /**
   * Resolves once `done()` is true (checked now and at each {@link notify}), after `ms`, or when `aborted` fires
   * (the client went away).
   */
  wait(done: () => boolean, ms: number, aborted: { once(e: "close", f: () => void): unknown; off(e: "close", f: () => void): unknown }): Promise<void>;
  /** Something changed: every waiter checks again. */
  notify(): void;
}

/** Creates an empty set of waiters. */
export function createChangeWaiters(): ChangeWaiters {
  const waiters = new Set<() => void>();
  return {
    get size() {
      return waiters.size;
    },
    wait: (done, ms, aborted) =>
      new Promise((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
          aborted.off("close", finish);
          resolve();
        };
        const check = (): void => {
          if (done()) finish();
        };
        const timer = setTimeout(finish, ms);
        aborted.once("close", finish);
        waiters.add(check);
        check();
      }),
    notify() {
      for (const w of [...waiters]) w();
    },
  };
}
