// This secondary's durable JetStream consumer of zone events: coalesce per zone, apply, ack after storing, retry with backoff.
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
import { normalizeName } from "@pdns-distribute/dns";
import { RejectedZoneError, TransientSyncError, applyZonePlan } from "./apply";
import type { ApplyDeps, ApplyOutcome } from "./apply";
import { AdaptiveCoalesceWindow, RecentZones, msToWindowBoundary } from "./coalesce-window";
import { coalesceEvents } from "./decide";
import type { PendingZoneEvent, ZonePlan } from "./decide";

/** Largest zone event accepted, bytes: real events are ~200 bytes, anything this big is garbage. */
export const MAX_EVENT_BYTES = 64 * 1024;
/** Unexpected errors (not known to be transient) are retried this many deliveries, then the event is terminated. */
export const MAX_UNEXPECTED_DELIVERIES = 5;

/** What happened to one event (or a coalesced run of events for one zone). */
export type ConsumerOutcome =
  | (ApplyOutcome & { events?: number })
  | { result: "retry"; zone: string; error: string; code?: string; events?: number }
  | { result: "rejected"; zone: string; error: string; code: string; events?: number };

/** Options of the event consumer. */
export interface EventConsumerOptions {
  nc: NatsConnection;
  nats: NatsConfig;
  secondaryId: string;
  ackWaitMs: number;
  maxRetryDelayMs: number;
  deps: ApplyDeps;
  logger: Logger;
  /** After the first event arrives on an idle consumer, wait this long for more to coalesce, ms (default 0). */
  coalesceWindowMs?: number;
  /**
   * Largest coalescing window, ms (default 1000): while most zones waiting at the end of a batch were applied
   * within this long (a burst), the window doubles up to it (coalesce-window.ts); back to `coalesceWindowMs` once idle.
   */
  coalesceMaxWindowMs?: number;
  /** Zones transferred at the same time (different zones only: one zone's events stay in order); default 1. */
  parallelTransfers?: number;
  /** Called after each event (or coalesced run) with its outcome and, once applied, the time it took (metrics, tests). */
  onOutcome?: (outcome: ConsumerOutcome, durationMs?: number) => void;
}

/** A running consumer. */
export interface EventConsumer {
  /** Stops after the zone being applied (if any) is finished and acknowledged; queued events are nak'ed. */
  stop(): Promise<void>;
  /** Events delivered and not yet settled: waiting in the queue or in the batch being applied. */
  backlog(): number;
  /** Whether events for `zone` (normalized) are delivered and not yet settled. */
  hasPending(zone: string): boolean;
}

/** Runs `fn` on every item with at most `limit` at a time; resolves when all are done (fn must not throw). */
export async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/** While a backlog remains, a "sync progress" line is logged at most this often, ms. */
const PROGRESS_INTERVAL_MS = 5000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Redelivery delay after a transient failure: 0.5 s doubling per delivery, capped. */
export function retryDelayMs(deliveryCount: number, maxMs: number): number {
  return Math.min(maxMs, 500 * 2 ** Math.min(10, Math.max(0, deliveryCount - 1)));
}

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

/** Decodes one message; acks/terms it right away when it needs no apply. Returns the event to apply, if any. */
function admit(msg: JsMsg, opts: EventConsumerOptions): PendingZoneEvent | undefined {
  try {
    if (msg.data.byteLength > MAX_EVENT_BYTES) {
      throw new MessageDecodeError(`event ${msg.subject}#${msg.seq}: ${msg.data.byteLength} bytes exceeds ${MAX_EVENT_BYTES}`);
    }
    const event = decodeMessage(zoneEventSchema, msg.data, `event ${msg.subject}#${msg.seq}`);
    let zone: string;
    try {
      zone = normalizeName(event.zone);
    } catch (err) {
      throw new MessageDecodeError(`event ${msg.subject}#${msg.seq}: zone: ${(err as Error).message}`, { cause: err });
    }
    if (event.target !== undefined && event.target !== opts.secondaryId) {
      msg.ack(); // a targeted resync for another secondary
      return undefined;
    }
    return { seq: msg.seq, id: event.id, type: event.type, zone };
  } catch (err) {
    // Malformed, oversized or unknown: never applied, never blocks the consumer.
    msg.term();
    const e = err as Error & { code?: string };
    const code = e.code ?? "PDNSD_MESSAGE_INVALID";
    opts.logger.error({ err: e.message, code, seq: msg.seq, subject: msg.subject }, "zone event rejected");
    opts.onOutcome?.({ result: "rejected", zone: "?", error: e.message, code });
    return undefined;
  }
}

/** Applies one coalesced plan and settles all its messages: ack, nak with backoff, or term. */
async function settlePlan(plan: ZonePlan, msgs: JsMsg[], opts: EventConsumerOptions): Promise<void> {
  const events = msgs.length;
  const started = performance.now();
  try {
    const outcome = await applyZonePlan(opts.deps, plan);
    for (const m of msgs) m.ack();
    opts.logger.info({ ...outcome, events, seq: msgs[msgs.length - 1]?.seq }, "zone event applied");
    opts.onOutcome?.({ ...outcome, events }, performance.now() - started);
  } catch (err) {
    const e = err as Error & { code?: string };
    const deliveries = Math.max(...msgs.map((m) => m.info.deliveryCount));
    const transient = err instanceof TransientSyncError;
    const known = transient || err instanceof RejectedZoneError;
    if (transient || (!known && deliveries < MAX_UNEXPECTED_DELIVERIES)) {
      const delay = retryDelayMs(deliveries, opts.maxRetryDelayMs);
      for (const m of msgs) m.nak(delay);
      opts.logger.warn({ zone: plan.zone, err: e.message, code: e.code, retryInMs: delay, attempt: deliveries, events }, "zone sync failed, will retry");
      opts.onOutcome?.({ result: "retry", zone: plan.zone, error: e.message, code: e.code, events });
      return;
    }
    // Forged, unparsable or persistently failing: never applied, never blocks the consumer.
    for (const m of msgs) m.term();
    const code = e.code ?? "PDNSD_SYNC_FAILED";
    opts.logger.error({ zone: plan.zone, err: e.message, code, seq: msgs[0]?.seq, events }, known ? "zone event rejected" : "zone event failed unexpectedly");
    opts.onOutcome?.({ result: "rejected", zone: plan.zone, error: e.message, code, events });
  }
}

/** The zone a queued message is for (normalized), or undefined when it does not decode; for the window only. */
function zoneOfMessage(msg: JsMsg): string | undefined {
  try {
    const zone = (msg.json() as { zone?: unknown }).zone;
    return typeof zone === "string" ? normalizeName(zone) : undefined;
  } catch {
    return undefined;
  }
}

/** Coalesces a batch per zone and applies each zone in turn; returns the zones applied. */
async function processBatch(batch: JsMsg[], opts: EventConsumerOptions, isStopped: () => boolean): Promise<Set<string>> {
  const bySeq = new Map<number, JsMsg[]>();
  const pending: PendingZoneEvent[] = [];
  for (const msg of batch) {
    const seen = bySeq.get(msg.seq);
    if (seen) {
      seen.push(msg); // a redelivery of a message still queued: settle both deliveries together
      continue;
    }
    const event = admit(msg, opts);
    if (!event) continue;
    bySeq.set(msg.seq, [msg]);
    pending.push(event);
  }
  // One plan per zone in a batch, and batches one after another: parallel plans never reorder a zone's events.
  const plans = coalesceEvents(pending);
  await runBounded(plans, opts.parallelTransfers ?? 1, async (plan) => {
    const msgs = plan.seqs.flatMap((seq) => bySeq.get(seq) ?? []);
    if (isStopped()) {
      for (const m of msgs) m.nak();
      return;
    }
    await settlePlan(plan, msgs, opts);
  });
  return new Set(plans.map((p) => p.zone));
}

/** Starts consuming (re-establishing the consumer after broker trouble) until stop(). */
export function startEventConsumer(opts: EventConsumerOptions): EventConsumer {
  let stopped = false;
  let stopMessages: (() => void) | undefined;
  const queue: JsMsg[] = [];
  let inBatch = 0;
  let batchZones = new Set<string>();
  // Zones of the queued messages (decoded once, when queued): hasPending must stay cheap, the health-checker may
  // ask about thousands of zones while thousands of events wait.
  const queuedZones = new Map<string, number>();
  const queueZone = (zone: string | undefined, delta: number): void => {
    if (zone === undefined) return;
    const n = (queuedZones.get(zone) ?? 0) + delta;
    if (n > 0) queuedZones.set(zone, n);
    else queuedZones.delete(zone);
  };
  const zoneOf = new WeakMap<JsMsg, string | undefined>();
  let settled = 0;
  let lastProgress = Date.now();
  let wakeWorker: (() => void) | undefined;
  const wake = (): void => {
    const w = wakeWorker;
    wakeWorker = undefined;
    w?.();
  };
  let onStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  /** Waits for more events to coalesce, until the next wall-clock multiple of `ms`; a stop ends the wait at once. */
  const collect = (ms: number): Promise<void> | undefined => {
    const wait = msToWindowBoundary(Date.now(), ms);
    return wait > 0 ? Promise.race([sleep(wait), stopSignal]) : undefined;
  };
  const window = new AdaptiveCoalesceWindow({ minMs: opts.coalesceWindowMs ?? 0, maxMs: opts.coalesceMaxWindowMs ?? 1000 });
  const recent = new RecentZones(Math.max(opts.coalesceMaxWindowMs ?? 1000, opts.coalesceWindowMs ?? 0));
  let repeats = false; // events for zones applied within the largest window arrived while the last batch ran

  // Worker: takes everything queued, coalesces it per zone, applies; one batch at a time.
  const worker = (async () => {
    while (!stopped) {
      if (queue.length === 0) {
        window.idle(performance.now());
        await new Promise<void>((resolve) => {
          wakeWorker = resolve;
        });
        if (stopped) break;
        await collect(window.wake(performance.now()));
      } else if (repeats) {
        await collect(window.ms); // these zones keep changing: let their next events join this batch
      }
      if (stopped) break;
      const batch = queue.splice(0, queue.length);
      inBatch = batch.length;
      batchZones = new Set();
      for (const m of batch) {
        const zone = zoneOf.get(m);
        queueZone(zone, -1);
        if (zone !== undefined) batchZones.add(zone);
      }
      const zones =
        batch.length > 0
          ? await processBatch(batch, opts, () => stopped).catch((err: unknown) => {
              opts.logger.error({ err: (err as Error).message }, "event batch failed");
              for (const m of batch) m.nak(1000);
              return new Set<string>();
            })
          : new Set<string>();
      inBatch = 0;
      batchZones = new Set();
      settled += batch.length;
      const now = performance.now();
      recent.applied(zones, now);
      // A burst: most zones waiting now were applied moments ago. A fresh secondary replaying a backlog of many
      // different zones (a few of them recently applied, e.g. by a resync) is not one: waiting would only slow it.
      let hot = 0;
      for (const zone of queuedZones.keys()) if (recent.has(zone, now)) hot++;
      repeats = zones.size > 0 && hot > 0 && hot * 2 >= queuedZones.size;
      window.afterBatch(repeats, queue.length === 0);
      if (queue.length > 0 && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        opts.logger.info({ settled, backlog: queue.length, coalesceWindowMs: window.ms }, "sync progress");
      }
    }
    for (const m of queue.splice(0, queue.length)) m.nak();
  })();

  // Pump: moves delivered messages into the queue (re-establishing the consumer after broker trouble).
  const pump = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await ensureZoneEventStream(opts.nc, opts.nats);
        const durable = await ensureConsumer(opts);
        const consumer = await jetstream(opts.nc).consumers.get(opts.nats.stream, durable);
        // Short pulls and 1 s idle heartbeats: a pull request lost with a NATS node (e.g. the consumer leader), or
        // one the client's count of outstanding messages no longer matches, is noticed after two missed heartbeats
        // (2 s) instead of the default 2 × 15 s. An event once reached one secondary ~5 s late (2 × 2.5 s, the
        // heartbeat that went with expires = 5 s): cause not found, this bounds it.
        const messages = await consumer.consume({ max_messages: 256, expires: 5000, idle_heartbeat: 1000 });
        stopMessages = () => void messages.stop();
        failures = 0;
        for await (const msg of messages) {
          if (stopped) {
            msg.nak();
            continue;
          }
          const zone = zoneOfMessage(msg);
          zoneOf.set(msg, zone);
          queueZone(zone, 1);
          queue.push(msg);
          wake();
        }
        if (!stopped) await sleep(250); // the consumer ended without an error: set it up again
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
      onStop();
      stopMessages?.();
      wake();
      await worker;
      await Promise.race([pump, sleep(2000)]);
    },
    backlog: () => queue.length + inBatch,
    hasPending: (zone) => batchZones.has(zone) || queuedZones.has(zone),
  };
}
