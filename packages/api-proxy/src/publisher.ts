// Publishes zone events to the JetStream stream and waits for the broker's acknowledgement.
import { jetstream } from "@nats-io/jetstream";
import { encodeMessage, ensureZoneEventStream, subjectForZoneEvent } from "@pdns-distribute/core";
import type { NatsConfig, NatsConnection, ZoneEvent } from "@pdns-distribute/core";
import type { EventPublisher } from "./announce";

/**
 * A publisher that uses JetStream with the event id as Nats-Msg-Id (broker-side de-duplication, so a
 * retried publish whose ack was lost is stored once). With `nats`, the stream is created if missing
 * before the first publish and checked again after a failure.
 */
export function jetStreamPublisher(nc: NatsConnection, timeoutMs: number, nats?: NatsConfig): EventPublisher {
  const js = jetstream(nc, { timeout: timeoutMs });
  let streamReady = nats === undefined;
  return {
    async publish(event: ZoneEvent): Promise<void> {
      if (!streamReady && nats) {
        await ensureZoneEventStream(nc, nats);
        streamReady = true;
      }
      try {
        await js.publish(subjectForZoneEvent(event.type, event.target), encodeMessage(event), { msgID: event.id, timeout: timeoutMs });
      } catch (err) {
        if (nats) streamReady = false;
        throw err;
      }
    },
  };
}
