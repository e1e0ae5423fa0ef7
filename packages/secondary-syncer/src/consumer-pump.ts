// NATS side of the event consumer: this secondary's durable JetStream consumer, and a pump feeding its messages on.
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { SUBJECTS, ZONE_EVENT_STREAM, backoffDelayMs, ensureZoneEventStream, isJetStreamError, secondaryConsumerName } from "@pdns-distribute/core";
import type { Logger, NatsConfig, NatsConnection } from "@pdns-distribute/core";

/** What the pump needs. */
export interface EventPumpOptions {
  nc: NatsConnection;
  nats: NatsConfig;
  secondaryId: string;
  ackWaitMs: number;
  /** Largest wait before setting the consumer up again after broker trouble, ms. */
  maxRetryDelayMs: number;
  logger: Logger;
}

/** A running pump. */
export interface EventPump {
  /** Stops pulling; messages still delivered are nak'ed. Resolves when the pump has ended. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates this secondary's durable consumer if it does not exist; returns its name. */
async function ensureConsumer(opts: EventPumpOptions): Promise<string> {
  const jsm = await jetstreamManager(opts.nc);
  const durable = secondaryConsumerName(opts.secondaryId);
  try {
    await jsm.consumers.info(ZONE_EVENT_STREAM, durable);
  } catch (err) {
    if (!isJetStreamError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(ZONE_EVENT_STREAM, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: SUBJECTS.zoneEventsWildcard,
      ack_wait: nanos(opts.ackWaitMs),
      max_ack_pending: 1000,
    });
    opts.logger.info({ durable }, "created durable consumer");
  }
  return durable;
}

/** Hands every delivered message to `onMessage` until stop(), setting the consumer up again after broker trouble. */
export function startEventPump(opts: EventPumpOptions, onMessage: (msg: JsMsg) => void): EventPump {
  let stopped = false;
  let stopMessages: (() => void) | undefined;
  const done = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await ensureZoneEventStream(opts.nc, opts.nats);
        const consumer = await jetstream(opts.nc).consumers.get(ZONE_EVENT_STREAM, await ensureConsumer(opts));
        // Short pulls and 1 s idle heartbeats: a pull request lost with a NATS node (e.g. the consumer leader), or
        // one the client's count of outstanding messages no longer matches, is noticed after two missed heartbeats
        // (2 s) instead of the default 2 × 15 s. An event once reached one secondary ~5 s late (2 × 2.5 s, the
        // heartbeat that went with expires = 5 s): cause not found, this bounds it.
        const messages = await consumer.consume({ max_messages: 256, expires: 5000, idle_heartbeat: 1000 });
        stopMessages = () => void messages.stop();
        if (stopped) stopMessages(); // stop() came while the consumer was being set up
        failures = 0;
        for await (const msg of messages) {
          if (stopped) msg.nak();
          else onMessage(msg);
        }
        if (!stopped) await sleep(250); // the consumer ended without an error: set it up again
      } catch (err) {
        if (stopped) break;
        failures++;
        // 500 ms after the first failure, doubling (250 ms × 2^failures, at most 2^8), capped.
        const delay = backoffDelayMs(failures + 1, { baseMs: 250, maxMs: opts.maxRetryDelayMs, maxExponent: 8 });
        opts.logger.warn({ err: (err as Error).message, retryInMs: delay }, "event consumer interrupted");
        await sleep(delay);
      }
    }
  })();
  return {
    stop() {
      stopped = true;
      stopMessages?.();
      return done;
    },
  };
}
