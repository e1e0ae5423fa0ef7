// "Applied" messages: after each handled zone event the secondary says what it now serves (pdns.secondary.<id>.applied).
import { encodeMessage, secondaryAppliedSubject } from "@pdns-distribute/core";
import type { NatsConnection, SecondaryApplied } from "@pdns-distribute/core";
import type { ConsumerOutcome } from "./consumer";

/**
 * The applied message for an outcome, or undefined when nothing changed hands (retry, rejected): applied
 * and unchanged report the serial served, stale the newer serial held, deleted / not-found null.
 */
export function appliedMessageOf(secondaryId: string, outcome: ConsumerOutcome, now = new Date()): SecondaryApplied | undefined {
  let serial: number | null;
  switch (outcome.result) {
    case "applied":
    case "unchanged":
      serial = outcome.serial;
      break;
    case "stale":
      serial = outcome.heldSerial;
      break;
    case "deleted":
    case "not-found":
      serial = null;
      break;
    default:
      return undefined;
  }
  return { type: "secondary.applied", version: 1, id: secondaryId, zone: outcome.zone, serial, time: now.toISOString() };
}

/** Publishes the applied message for `outcome` (core NATS, fire and forget: heartbeats and the health-checker cover a loss). */
export function publishApplied(nc: NatsConnection, secondaryId: string, outcome: ConsumerOutcome): void {
  const msg = appliedMessageOf(secondaryId, outcome);
  if (!msg) return;
  try {
    nc.publish(secondaryAppliedSubject(secondaryId), encodeMessage(msg));
  } catch {
    /* connection closed or reconnecting: the message is lost, change tracking shows the zone as pending */
  }
}
