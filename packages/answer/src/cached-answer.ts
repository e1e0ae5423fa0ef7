// UDP answering through a packet cache: a repeated query is copied from the cache, any other answered by wire.ts and kept when it may be.

import { PacketCache } from "./packet-cache";
import { answeredWithValidCookie, answerQueryInto, lastAnswerCacheable, rateLimitSubject } from "./wire";
import type { AnswerContext, AnswerLogger } from "./wire";

/**
 * Answers UDP queries through one {@link PacketCache} (one per listener: its options and zones). After each
 * answer, {@link rrlSubject} and {@link rrlExempt} say how response rate limiting must judge it, whether it came
 * from the cache or not.
 */
export class CachedUdpAnswers {
  /** What RRL counts the last reply by (wire.ts rateLimitSubject). */
  rrlSubject: string | null = null;
  /** The last reply answered a valid server cookie: RRL lets it through (RFC 7873 §5.2.5). */
  rrlExempt = false;
  private readonly cache: PacketCache;

  /**
   * `responseMax`: the largest UDP response; `withRrl`: RRL is on (its subjects are kept with the answers);
   * `entries`, `arenaBytes`: the cache's size (packet-cache.ts defaults).
   */
  constructor(
    responseMax: number,
    private readonly withRrl: boolean,
    private readonly logger: AnswerLogger,
    entries?: number,
    arenaBytes?: number,
  ) {
    this.cache = new PacketCache(responseMax, entries, arenaBytes);
  }

  /**
   * Answers `msg[0 .. size)` into `out` at `at` (which must have room for the largest UDP response); returns the
   * response's length, or -1 when there is none to send.
   */
  answerInto(msg: Buffer, size: number, context: () => AnswerContext, out: Buffer, at: number): number {
    try {
      return this.answer(msg, size, context(), out, at);
    } catch (err) {
      this.logger.error({ err }, "DNS query dropped: the zone source failed");
      return -1;
    }
  }

  private answer(msg: Buffer, size: number, ctx: AnswerContext, out: Buffer, at: number): number {
    const zones = ctx.zones;
    const e = this.cache.find(msg, size, zones);
    if (e >= 0) {
      this.rrlExempt = false;
      this.rrlSubject = this.cache.subject(e);
      return this.cache.copyInto(e, msg, out, at);
    }
    const length = answerQueryInto(msg, ctx, out, at, size);
    if (length === -2) this.logger.error({ at, room: out.length - at }, "DNS response dropped: no room in the batch output buffer");
    this.rrlExempt = length > 0 && answeredWithValidCookie();
    this.rrlSubject = this.withRrl && length > 0 ? rateLimitSubject() : null;
    if (length > 0 && lastAnswerCacheable()) this.cache.store(msg, size, zones, out, at, length, this.rrlSubject);
    return length;
  }
}
