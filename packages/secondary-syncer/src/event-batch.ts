// Pure scheduling of one batch of delivered events: redeliveries folded, one plan per zone, bounded parallel applies.
import { coalesceEvents } from "./decide";
import type { PendingZoneEvent, ZonePlan } from "./decide";

/** A delivered message as the batch sees it: its stream sequence. */
export interface SequencedMessage {
  readonly seq: number;
}

/** One zone's plan and every delivery it settles. */
export interface PlannedMessages<M> {
  plan: ZonePlan;
  msgs: M[];
}

/**
 * Groups a batch into one plan per zone (coalesceEvents). `admit` decodes a message and returns its event, or
 * undefined when it needs no apply (it settles such a message itself). A redelivery of a message still in the
 * batch is not admitted again: it joins the first delivery and both are settled together.
 */
export function planBatch<M extends SequencedMessage>(batch: readonly M[], admit: (msg: M) => PendingZoneEvent | undefined): PlannedMessages<M>[] {
  const bySeq = new Map<number, M[]>();
  const pending: PendingZoneEvent[] = [];
  for (const msg of batch) {
    const seen = bySeq.get(msg.seq);
    if (seen) {
      seen.push(msg);
      continue;
    }
    const event = admit(msg);
    if (!event) continue;
    bySeq.set(msg.seq, [msg]);
    pending.push(event);
  }
  return coalesceEvents(pending).map((plan) => ({ plan, msgs: plan.seqs.flatMap((seq) => bySeq.get(seq) ?? []) }));
}

/** Runs `fn` on every item with at most `limit` at a time; resolves when all are done (fn must not throw). */
export async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const rest = items.values(); // shared by the lanes: each takes the next item when it is free
  const lane = async (): Promise<void> => {
    for (let next = rest.next(); !next.done; next = rest.next()) await fn(next.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
