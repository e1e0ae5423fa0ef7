// This secondary's zone-event consumer: queue delivered events, coalesce them per zone, apply, then ack (or retry).
import type { JsMsg } from "@nats-io/jetstream";
import type { Logger } from "@pdns-distribute/core";
import { applyZonePlan } from "./apply";
import type { ApplyDeps, ApplyOutcome } from "./apply";
import { BatchPacer, msToWindowBoundary } from "./coalesce-window";
import { startEventPump } from "./consumer-pump";
import type { EventPumpOptions } from "./consumer-pump";
import type { PendingZoneEvent, ZonePlan } from "./decide";
import { admitEvent, zoneOfEventData } from "./event-admission";
import { planBatch, runBounded } from "./event-batch";
import { EventQueue } from "./event-queue";
import { settlementOf } from "./event-settlement";

/** What happened to one event (or a coalesced run of events for one zone). */
export type ConsumerOutcome =
  | (ApplyOutcome & { events?: number })
  | { result: "retry"; zone: string; error: string; code?: string; events?: number }
  | { result: "rejected"; zone: string; error: string; code: string; events?: number };

/** Options of the event consumer. */
export interface EventConsumerOptions extends EventPumpOptions {
  /** Largest redelivery delay after a failed apply, and largest wait before setting the consumer up again, ms. */
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

/** While a backlog remains, a "sync progress" line is logged at most this often, ms. */
const PROGRESS_INTERVAL_MS = 5000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Decodes one message; acks or terms right away one that needs no apply. Returns the event to apply, if any. */
function admit(msg: JsMsg, opts: EventConsumerOptions): PendingZoneEvent | undefined {
  const admission = admitEvent(msg.data, msg, opts.secondaryId);
  if (admission.action === "apply") return admission.event;
  if (admission.action === "ack") {
    msg.ack(); // a targeted resync for another secondary
    return undefined;
  }
  msg.term();
  opts.logger.error({ err: admission.error, code: admission.code, seq: msg.seq, subject: msg.subject }, "zone event rejected");
  opts.onOutcome?.({ result: "rejected", zone: "?", error: admission.error, code: admission.code });
  return undefined;
}

/** Applies one coalesced plan and settles all its messages: ack, nak with backoff, or term (event-settlement.ts). */
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
    const settlement = settlementOf(err, deliveries, opts.maxRetryDelayMs);
    if (settlement.action === "nak") {
      for (const m of msgs) m.nak(settlement.delayMs);
      opts.logger.warn({ zone: plan.zone, err: e.message, code: e.code, retryInMs: settlement.delayMs, attempt: deliveries, events }, "zone sync failed, will retry");
      opts.onOutcome?.({ result: "retry", zone: plan.zone, error: e.message, code: e.code, events });
      return;
    }
    for (const m of msgs) m.term();
    const { code, known } = settlement;
    opts.logger.error({ zone: plan.zone, err: e.message, code, seq: msgs[0]?.seq, events }, known ? "zone event rejected" : "zone event failed unexpectedly");
    opts.onOutcome?.({ result: "rejected", zone: plan.zone, error: e.message, code, events });
  }
}

/** Coalesces a batch per zone and applies the zones (`parallelTransfers` at a time); returns the zones applied. */
async function processBatch(batch: JsMsg[], opts: EventConsumerOptions, isStopped: () => boolean): Promise<Set<string>> {
  // One plan per zone in a batch, and batches one after another: parallel plans never reorder a zone's events.
  const planned = planBatch(batch, (msg) => admit(msg, opts));
  await runBounded(planned, opts.parallelTransfers ?? 1, async ({ plan, msgs }) => {
    if (isStopped()) {
      for (const m of msgs) m.nak();
      return;
    }
    await settlePlan(plan, msgs, opts);
  });
  return new Set(planned.map((p) => p.plan.zone));
}

/** Applies one batch; a batch that fails as a whole is nak'ed for redelivery in 1 s. Returns the zones applied. */
async function runBatch(batch: JsMsg[], opts: EventConsumerOptions, isStopped: () => boolean): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  try {
    return await processBatch(batch, opts, isStopped);
  } catch (err) {
    opts.logger.error({ err: (err as Error).message }, "event batch failed");
    for (const m of batch) m.nak(1000);
    return new Set();
  }
}

/** The worker's sleep and wake-up: it sleeps until an event is queued; a stop ends every wait at once. */
interface Wakeup {
  /** An event was queued (or the consumer stops): ends the sleep of `untilWoken`. */
  wake(): void;
  /** Sleeps until `wake`. */
  untilWoken(): Promise<void>;
  /** Waits `ms` for more events to coalesce, until a wall-clock multiple of it (msToWindowBoundary); a stop ends it. */
  collect(ms: number): Promise<void>;
  /** Ends every wait, now and later. */
  stop(): void;
}

/** A fresh {@link Wakeup}. */
function createWakeup(): Wakeup {
  let wakeWorker: (() => void) | undefined;
  let onStop: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  const wake = (): void => {
    const w = wakeWorker;
    wakeWorker = undefined;
    w?.();
  };
  return {
    wake,
    untilWoken: () =>
      new Promise<void>((resolve) => {
        wakeWorker = resolve;
      }),
    async collect(ms) {
      const wait = msToWindowBoundary(Date.now(), ms);
      if (wait > 0) await Promise.race([sleep(wait), stopSignal]);
    },
    stop() {
      onStop();
      wake();
    },
  };
}

/** The worker: takes everything queued, coalesces it per zone, applies; one batch at a time until stopped. */
async function runWorker(opts: EventConsumerOptions, queue: EventQueue<JsMsg>, wakeup: Wakeup, isStopped: () => boolean): Promise<void> {
  const pacer = new BatchPacer({ minMs: opts.coalesceWindowMs ?? 0, maxMs: opts.coalesceMaxWindowMs ?? 1000 });
  let settled = 0;
  let lastProgress = Date.now();
  while (!isStopped()) {
    const woke = queue.length === 0;
    if (woke) {
      pacer.idle(performance.now());
      await wakeup.untilWoken();
      if (isStopped()) break;
    }
    await wakeup.collect(pacer.waitBeforeBatch(woke, performance.now()));
    if (isStopped()) break;
    const batch = queue.takeBatch();
    const zones = await runBatch(batch, opts, isStopped);
    queue.batchDone();
    settled += batch.length;
    pacer.afterBatch(zones, queue.waitingZones(), queue.length === 0, performance.now());
    if (queue.length > 0 && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = Date.now();
      opts.logger.info({ settled, backlog: queue.length, coalesceWindowMs: pacer.windowMs }, "sync progress");
    }
  }
  for (const m of queue.drain()) m.nak();
}

/** Starts consuming (re-establishing the consumer after broker trouble) until stop(). */
export function startEventConsumer(opts: EventConsumerOptions): EventConsumer {
  let stopped = false;
  const queue = new EventQueue<JsMsg>();
  const wakeup = createWakeup();
  const worker = runWorker(opts, queue, wakeup, () => stopped);
  // Pump: moves delivered messages into the queue.
  const pump = startEventPump(opts, (msg) => {
    queue.push(msg, zoneOfEventData(msg.data));
    wakeup.wake();
  });
  return {
    async stop() {
      stopped = true;
      const pumpDone = pump.stop();
      wakeup.stop();
      await worker;
      await Promise.race([pumpDone, sleep(2000)]);
    },
    backlog: () => queue.backlog(),
    hasPending: (zone) => queue.hasPending(zone),
  };
}
