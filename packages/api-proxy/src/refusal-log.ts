// Rate-limited warnings about refused requests: the first of each kind at once, then at most one per interval
// saying how many more there were (an attacker must not be able to flood the log).
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
  const last = new Map<string, { at: number; suppressed: number }>();
  return {
    note(reason, fields) {
      const t = now();
      const seen = last.get(reason);
      if (seen && t - seen.at < intervalMs) {
        seen.suppressed++;
        return;
      }
      last.set(reason, { at: t, suppressed: 0 });
      logger.warn({ ...fields, reason, ...(seen?.suppressed ? { alsoRefusedSinceLastLine: seen.suppressed } : {}) }, "request refused before reaching PowerDNS");
    },
  };
}
