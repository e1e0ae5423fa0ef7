// Exponential backoff with a cap: the one retry-delay formula every daemon uses.

/** How a backoff grows: doubling from `baseMs`, at most `maxExponent` doublings, never above `maxMs`. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Most doublings applied to `baseMs` (keeps `2 ** n` finite and bounds the delay when `maxMs` is large). */
  maxExponent: number;
}

/**
 * Delay before retry number `attempt` (1-based; 0 or less counts as 1):
 * `min(maxMs, baseMs * 2 ** min(maxExponent, attempt - 1))`.
 * E.g. `{ baseMs: 500, maxMs: 30_000, maxExponent: 10 }` gives 500, 1000, 2000, … 16000, 30000, 30000 ms.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions): number {
  return Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(opts.maxExponent, Math.max(0, attempt - 1)));
}
