// Publishes zone events to the JetStream stream and waits for the broker's acknowledgement.
import { jetstream } from "@nats-io/jetstream";
import { encodeMessage, subjectForZoneEvent } from "@pdns-distribute/core";
import type { NatsConnection, ZoneEvent } from "@pdns-distribute/core";
import type { EventPublisher } from "./proxy";

/** A publisher that uses JetStream with the event id as Nats-Msg-Id (broker-side de-duplication). */
export function jetStreamPublisher(nc: NatsConnection, timeoutMs: number): EventPublisher {
  const js = jetstream(nc, { timeout: timeoutMs });
  return {
    async publish(event: ZoneEvent): Promise<void> {
      await js.publish(subjectForZoneEvent(event.type, event.target), encodeMessage(event), { msgID: event.id, timeout: timeoutMs });
    },
  };
}
