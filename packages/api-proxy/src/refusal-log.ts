// Rate-limited warnings about refused requests: the first of each kind at once, then at most one per interval
// saying how many more there were (an attacker must not be able to flood the log). The limit is core's LogRateLimit.
import { LogRateLimit } from "@pdns-distribute/core";
import type { Logger } from "@pdns-distribute/core";

/** Most one warning per kind of refusal in this many ms. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** Notes refused requests. */
export interface RefusalLog {
  /** Notes one refusal of kind `reason`; logs it unless one was logged less than the interval ago. */
  note(reason: string, fields: Record<string, unknown>): void;
}

/** Creates the log over `logger`; `now` for tests. */
export function createRefusalLog(logger: Logger, intervalMs = REFUSAL_LOG_INTERVAL_MS, now: () => number = Date.now): RefusalLog {
  const limit = new LogRateLimit(intervalMs, now);
  return {
    note(reason, fields) {
      const held = limit.take(reason);
      if (held === undefined) return;
      logger.warn({ ...fields, reason, ...(held > 0 ? { alsoRefusedSinceLastLine: held } : {}) }, "request refused before reaching PowerDNS");
    },
  };
}
