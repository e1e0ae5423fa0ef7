// Pure settlement of a failed apply: redeliver later (nak with a delay) or terminate, from the error and delivery count.
import { backoffDelayMs } from "@pdns-distribute/core";
import { RejectedZoneError, TransientSyncError } from "./apply";
import { UnverifiedReplyError } from "./reply-verification";

/** Unexpected errors (not known to be transient) are retried this many deliveries, then the event is terminated. */
export const MAX_UNEXPECTED_DELIVERIES = 5;

/** Redelivery delay after a transient failure or replies that did not verify: 0.5 s doubling per delivery, capped. */
export function retryDelayMs(deliveryCount: number, maxMs: number): number {
  return backoffDelayMs(deliveryCount, { baseMs: 500, maxMs, maxExponent: 10 });
}

/** How to settle the messages of a plan whose apply threw. */
export type Settlement =
  | { action: "nak"; delayMs: number }
  /** Never applied; `known`: a rejection (forged, unparsable), not an unexpected failure. */
  | { action: "term"; code: string; known: boolean };

/**
 * Transient failures and replies that did not verify (a rogue responder: the next request may reach an honest
 * zone-provider) are redelivered with backoff, as are unexpected failures for their first deliveries; data the
 * zone-provider signed but that cannot be served, and persistently failing events, are terminated so they never
 * block the consumer. `deliveries`: the highest delivery count among the plan's messages.
 */
export function settlementOf(err: unknown, deliveries: number, maxRetryDelayMs: number): Settlement {
  const transient = err instanceof TransientSyncError || err instanceof UnverifiedReplyError;
  const known = transient || err instanceof RejectedZoneError;
  if (transient || (!known && deliveries < MAX_UNEXPECTED_DELIVERIES)) {
    return { action: "nak", delayMs: retryDelayMs(deliveries, maxRetryDelayMs) };
  }
  return { action: "term", code: (err as { code?: string }).code ?? "PDNSD_SYNC_FAILED", known };
}
