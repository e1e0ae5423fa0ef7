// Publishes resync events (targeted or for everyone) to the zone event stream and waits for JetStream's ack.
import { jetstream } from "@nats-io/jetstream";
import { encodeMessage, newZoneEvent, subjectForZoneEvent } from "@pdns-distribute/core";
import type { NatsConnection, ZoneEvent, ZoneEventType } from "@pdns-distribute/core";

/** `source` of every event the health-checker publishes. */
export const RESYNC_SOURCE = "health-checker";

/**
 * Publishes one resync; `target` undefined addresses every secondary. `full` (content audit, targeted only): the
 * secondary fetches the whole zone, no delta, and replaces what it holds even at the same serial.
 */
export type ResyncPublisher = (type: ZoneEventType, zone: string, target?: string, full?: boolean) => Promise<ZoneEvent>;

/** A publisher on JetStream with the event id as Nats-Msg-Id (broker-side de-duplication). */
export function jetStreamResyncPublisher(nc: NatsConnection, timeoutMs: number): ResyncPublisher {
  const js = jetstream(nc, { timeout: timeoutMs });
  return async (type, zone, target, full) => {
    const event = newZoneEvent(type, zone, RESYNC_SOURCE, target);
    if (full && target !== undefined) event.full = true;
    await js.publish(subjectForZoneEvent(type, target), encodeMessage(event), { msgID: event.id, timeout: timeoutMs });
    return event;
  };
}
