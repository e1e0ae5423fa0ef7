// Polling helpers: sleep and waitFor (poll a condition until it is truthy or a deadline passes).

import { HarnessTimeoutError } from "./errors";

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Pause between two polls. */
  intervalMs: number;
  /** What is being waited for; named in the timeout error. */
  what: string;
}

/** Default {@link WaitForOptions}: 10 s timeout, 50 ms interval. */
export function defaultWaitForOptions(): WaitForOptions {
  return { timeoutMs: 10_000, intervalMs: 50, what: "condition" };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `fn` until it returns (or resolves to) a truthy value and resolves with that value.
 * An exception thrown by `fn` aborts the wait and is propagated; catch inside `fn` to keep polling.
 * Throws a {@link HarnessTimeoutError} naming `what` when `timeoutMs` passes.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  opts: Partial<WaitForOptions> = {},
): Promise<T> {
  const o = { ...defaultWaitForOptions(), ...opts };
  const deadline = Date.now() + o.timeoutMs;
  let last: unknown;
  for (;;) {
    last = await fn();
    if (last) return last as T;
    if (Date.now() >= deadline) break;
    await sleep(Math.min(o.intervalMs, Math.max(0, deadline - Date.now())));
  }
  throw new HarnessTimeoutError(`timed out after ${o.timeoutMs} ms waiting for ${o.what}`);
}
