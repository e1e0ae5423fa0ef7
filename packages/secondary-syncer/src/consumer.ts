// This secondary's durable JetStream consumer of zone events: apply in order, ack after storing, retry with backoff.
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import {
  MessageDecodeError,
  SUBJECTS,
  decodeMessage,
  ensureZoneEventStream,
  isJetStreamError,
  secondaryConsumerName,
  zoneEventSchema,
} from "@pdns-distribute/core";
import type { Logger, NatsConfig, NatsConnection } from "@pdns-distribute/core";
import { RejectedZoneError, TransientSyncError, applyZoneEvent } from "./apply";
import type { ApplyDeps, ApplyOutcome } from "./apply";

/** Options of the event consumer. */
export interface EventConsumerOptions {
  nc: NatsConnection;
  nats: NatsConfig;
  secondaryId: string;
  ackWaitMs: number;
  maxRetryDelayMs: number;
  deps: ApplyDeps;
  logger: Logger;
  /** Called after each event with its outcome (for metrics and tests). */
  onOutcome?: (outcome: ApplyOutcome | { result: "rejected" | "retry"; zone: string; error: string }) => void;
}

/** A running consumer. */
export interface EventConsumer {
  /** Stops after the event being applied (if any) is finished and acknowledged. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates this secondary's durable consumer if it does not exist. */
async function ensureConsumer(opts: EventConsumerOptions): Promise<string> {
  const jsm = await jetstreamManager(opts.nc);
  const durable = secondaryConsumerName(opts.secondaryId);
  try {
    await jsm.consumers.info(opts.nats.stream, durable);
  } catch (err) {
    if (!isJetStreamError(err, JetStreamApiCodes.ConsumerNotFound)) throw err;
    await jsm.consumers.add(opts.nats.stream, {
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

/** Handles one message: ack on success or permanent rejection, nak with backoff on transient failure. */
async function handleMessage(msg: JsMsg, opts: EventConsumerOptions): Promise<void> {
  let zone = "?";
  try {
    const event = decodeMessage(zoneEventSchema, msg.data, `event ${msg.subject}#${msg.seq}`);
    zone = event.zone;
    if (event.target !== undefined && event.target !== opts.secondaryId) {
      msg.ack(); // a targeted resync for another secondary
      return;
    }
    const outcome = await applyZoneEvent(opts.deps, event);
    msg.ack();
    opts.logger.info({ ...outcome, event: event.type, id: event.id, seq: msg.seq }, "zone event applied");
    opts.onOutcome?.(outcome);
  } catch (err) {
    if (err instanceof TransientSyncError) {
      const delay = Math.min(opts.maxRetryDelayMs, 500 * 2 ** Math.min(10, msg.info.deliveryCount - 1));
      msg.nak(delay);
      opts.logger.warn({ zone, err: err.message, retryInMs: delay, attempt: msg.info.deliveryCount }, "zone sync failed, will retry");
      opts.onOutcome?.({ result: "retry", zone, error: err.message });
      return;
    }
    // Poison or forged: never applied, never blocks the consumer.
    msg.term();
    const e = err as Error & { code?: string };
    const known = err instanceof RejectedZoneError || err instanceof MessageDecodeError;
    opts.logger.error({ zone, err: e.message, code: e.code, seq: msg.seq }, known ? "zone event rejected" : "zone event failed unexpectedly");
    opts.onOutcome?.({ result: "rejected", zone, error: e.message });
  }
}

/** Starts consuming (re-establishing the consumer after broker trouble) until stop(). */
export function startEventConsumer(opts: EventConsumerOptions): EventConsumer {
  let stopped = false;
  let stopMessages: (() => void) | undefined;
  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await ensureZoneEventStream(opts.nc, opts.nats);
        const durable = await ensureConsumer(opts);
        const consumer = await jetstream(opts.nc).consumers.get(opts.nats.stream, durable);
        const messages = await consumer.consume({ max_messages: 64 });
        stopMessages = () => void messages.stop();
        failures = 0;
        for await (const msg of messages) {
          if (stopped) {
            msg.nak();
            continue;
          }
          await handleMessage(msg, opts);
        }
      } catch (err) {
        if (stopped) break;
        failures++;
        const delay = Math.min(opts.maxRetryDelayMs, 250 * 2 ** Math.min(failures, 8));
        opts.logger.warn({ err: (err as Error).message, retryInMs: delay }, "event consumer interrupted");
        await sleep(delay);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      stopMessages?.();
      await loop;
    },
  };
}
