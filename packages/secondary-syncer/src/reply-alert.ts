// The alert for zone-data replies that do not verify: a metric for each, and a rate-limited error log line.
import { LogRateLimit } from "@pdns-distribute/core";
import type { Logger } from "@pdns-distribute/core";
import type { UnverifiedReplyError } from "./reply-verification";

/** One log line per error code at most this often, ms (the lines held back are counted in the next). */
export const UNVERIFIED_LOG_INTERVAL_MS = 10_000;

/**
 * The `onUnverifiedReply` hook of ApplyDeps: counts each reply (`count`, by code) and logs an error at most once per
 * code every {@link UNVERIFIED_LOG_INTERVAL_MS}, with the number held back since the last line.
 */
export function unverifiedReplyAlert(logger: Logger, count?: (code: string) => void, limit = new LogRateLimit(UNVERIFIED_LOG_INTERVAL_MS)): (zone: string, err: UnverifiedReplyError) => void {
  return (zone, err) => {
    count?.(err.code);
    const heldBack = limit.take(err.code);
    if (heldBack !== undefined) logger.error({ zone, code: err.code, err: err.message, heldBack }, "zone-data reply does not verify (forged or replayed?); asking again");
  };
}
