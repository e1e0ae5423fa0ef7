// Rate-limited warnings: at most one line per interval, counting by kind what happened since the last line.

import type { AnswerLogger } from "./wire";

/** Warnings of one kind are written at most this often. */
export const LOG_INTERVAL_MS = 10_000;

/** Counts events and writes them as one warning per interval. */
export interface LogLimiter {
  /** Counts one event of `kind` at `now`; writes a line (with `fields` of this event) when the interval has passed. */
  note(kind: string, now: number, fields?: object): void;
}

/** A {@link LogLimiter} writing `msg` to `logger`; the first event is logged at once. */
export function createLogLimiter(logger: AnswerLogger, msg: string, intervalMs = LOG_INTERVAL_MS): LogLimiter {
  let counts: Record<string, number> = {};
  let last = -Infinity;
  return {
    note(kind, now, fields = {}) {
      counts[kind] = (counts[kind] ?? 0) + 1;
      if (now - last < intervalMs) return;
      logger.warn({ ...fields, counts, sinceMs: Number.isFinite(last) ? now - last : 0 }, msg);
      counts = {};
      last = now;
    },
  };
}
