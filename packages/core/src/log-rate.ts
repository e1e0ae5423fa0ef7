// Rate limit for repeated log lines (bad input, attacks): one line per key and interval, with the count held back.

/**
 * Lets through at most one log line per key every `intervalMs`. Lines held back are counted and the count is
 * reported with the next line let through, so an attack costs a few lines, and nothing is hidden. Keys should be
 * few (e.g. error codes), as the limiter keeps one entry per key.
 */
export class LogRateLimit {
  private readonly keys = new Map<string, { last: number; held: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether a line for `key` may be logged now: the number of lines held back since the last one let through
   * (0 or more), or undefined when this line is held back.
   */
  take(key: string): number | undefined {
    const t = this.now();
    const entry = this.keys.get(key);
    if (entry && t - entry.last < this.intervalMs) {
      entry.held++;
      return undefined;
    }
    const held = entry?.held ?? 0;
    this.keys.set(key, { last: t, held: 0 });
    return held;
  }
}
