// The way of a write to PowerDNS: its turn at the write gate (write-gate.ts), PATCHes of one zone waiting together
// combined into one (patch-batch.ts), and a combined PATCH PowerDNS refuses sent again one by one.
import type { Logger } from "@pdns-distribute/core";
import { exchange } from "./announce";
import type { Announcer, ChangeContext, Outcome } from "./announce";
import type { Forwarder, RequestHead, UpstreamAnswer } from "./forward";
import { PatchBatcher, combinablePatch, combinedPatchBody, writeZoneKey } from "./patch-batch";
import type { PatchBatch } from "./patch-batch";
import { WriteGateError } from "./write-gate";
import type { WriteGate } from "./write-gate";

/** Most bytes of request bodies combined into one PATCH (PowerDNS' webserver-max-bodysize is 2 MB by default). */
const COMBINED_BODY_MAX_BYTES = 1024 * 1024;

/** Options of {@link createWriteQueue}. */
export interface WriteQueueOptions {
  gate: WriteGate;
  /** Time a write may wait for its turn (it counts like PowerDNS' own time to answer), ms. */
  turnTimeoutMs: number;
  /** Most PATCHes combined into one; 1: each alone. */
  maxCombinedPatches: number;
  forwarder: Forwarder;
  announcer: Announcer;
  logger: Logger;
  /** Called for each combined PATCH of 2 or more requests: "combined" (PowerDNS took it) or "split" (sent one by one). */
  onCombined?: (requests: number, outcome: "combined" | "split") => void;
}

/** Sends write requests to PowerDNS in turn. */
export interface WriteQueue {
  /** Forwards a write once its turn came (maybe combined with others) and announces the change. */
  send(head: RequestHead, body: Buffer): Promise<Outcome>;
}

interface BatchMember {
  head: RequestHead;
  body: Buffer;
  done: (outcome: Outcome) => void;
}

/** Creates the queue in front of one PowerDNS. */
export function createWriteQueue(opts: WriteQueueOptions): WriteQueue {
  const { gate, forwarder, announcer } = opts;
  const refusedOrFailed = (err: unknown): Outcome => (err instanceof WriteGateError ? { kind: "refused", err } : { kind: "unreachable", err: err as Error, uncertain: false });

  /** A batch's turn at the gate, then one PATCH (or one by one when refused). */
  const runBatch = async (batch: PatchBatch<BatchMember>): Promise<void> => {
    let release: () => void;
    try {
      release = await gate.acquire(opts.turnTimeoutMs);
    } catch (err) {
      batcher?.close(batch);
      gate.left(batch.members.length - 1);
      for (const { member } of batch.members) member.done(refusedOrFailed(err));
      return;
    }
    batcher?.close(batch);
    gate.left(batch.members.length - 1);
    const [first, ...others] = batch.members.map((m) => m.member);
    if (!first) return release(); // a batch starts with one member
    if (others.length === 0) first.done(await exchange(forwarder, announcer, first.head, first.body, release));
    else await sendCombined(batch, first, release);
  };

  /** One PATCH for the whole batch; refused as a whole (nothing applied), each request again on its own. */
  const sendCombined = async (batch: PatchBatch<BatchMember>, first: BatchMember, release: () => void): Promise<void> => {
    const members = batch.members.map((m) => m.member);
    const body = combinedPatchBody(batch.members.map((m) => m.patch));
    let answer: UpstreamAnswer;
    let context: ChangeContext | undefined;
    try {
      context = await announcer.before(first.head, body); // the union of the batch's RRsets
      answer = await forwarder.forward(first.head, body);
    } catch (err) {
      release();
      const outcome = await announcer.failed(first.head, body, err as Error);
      for (const m of members) m.done(outcome);
      return;
    }
    if (answer.status >= 200 && answer.status < 300) {
      release();
      opts.onCombined?.(members.length, "combined");
      const changeId = await announcer.answered(first.head, answer, members.length, context);
      for (const m of members) m.done({ kind: "answer", answer, changeId });
      return;
    }
    opts.onCombined?.(members.length, "split");
    opts.logger.info({ zone: batch.zoneKey, requests: members.length, status: answer.status }, "combined PATCH refused by PowerDNS; sending its requests one by one");
    await sendOneByOne(members, release);
  };

  /** Each request in order for its own answer (the gate's turn kept until the last one is answered). */
  const sendOneByOne = async (members: BatchMember[], release: () => void): Promise<void> => {
    const answers: Array<UpstreamAnswer | Error> = [];
    try {
      for (const m of members) answers.push(await forwarder.forward(m.head, m.body).catch((err: Error) => err));
    } finally {
      release();
    }
    await Promise.all(
      members.map(async (m, k) => {
        const a = answers[k] ?? new Error("no answer");
        m.done(a instanceof Error ? await announcer.failed(m.head, m.body, a) : { kind: "answer", answer: a, changeId: await announcer.answered(m.head, a) });
      }),
    );
  };

  const batcher =
    opts.maxCombinedPatches > 1
      ? new PatchBatcher<BatchMember>({ maxRequests: opts.maxCombinedPatches, maxBytes: COMBINED_BODY_MAX_BYTES, admit: () => gate.join() }, (batch) => {
          runBatch(batch).catch((err: unknown) => {
            opts.logger.error({ err }, "unexpected error in a combined PATCH");
            for (const { member } of batch.members) member.done({ kind: "unreachable", err: err as Error, uncertain: false });
          });
        })
      : undefined;

  return {
    async send(head, body) {
      if (batcher) {
        const patch = combinablePatch(head.method, head.url, head.headers, body);
        if (patch) return new Promise<Outcome>((done) => batcher.add(patch, body.length, { head, body, done }));
        batcher.barrier(writeZoneKey(head.url));
      }
      let release: () => void;
      try {
        release = await gate.acquire(opts.turnTimeoutMs);
      } catch (err) {
        if (!(err instanceof WriteGateError)) throw err;
        return { kind: "refused", err };
      }
      return exchange(forwarder, announcer, head, body, release);
    },
  };
}
