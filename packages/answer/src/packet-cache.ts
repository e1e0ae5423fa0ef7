// Whole UDP responses kept by the query's octets after the ID, so a repeated query costs a lookup, a copy and an ID patch.

/** Longest query kept: header, a 255-octet name, type and class, and an OPT without options (12 + 255 + 4 + 11). */
export const PACKET_CACHE_KEY_MAX = 282;
/** Entries of a cache made with no size given (two per set). */
export const PACKET_CACHE_ENTRIES = 4096;

/** What a response's validity is tied to: a set of served zones (by identity) and its generation. */
export interface PacketCacheSource {
  readonly generation: number;
}

/**
 * A two-way set-associative cache of UDP responses. The key is the query as received minus its ID (flags, counts,
 * question with its case, OPT), so the caller must only {@link store} responses that depend on nothing else: not
 * on the client (cookies, NSID, RRL's verdict), not on a per-response counter (round robin over several records).
 * An entry holds for the zone source and generation it was stored under; another source or generation empties the
 * cache. Fixed arrays, no allocation per query.
 */
export class PacketCache {
  private readonly keys: Uint8Array;
  private readonly keyLength: Int32Array;
  private readonly hashes: Int32Array;
  private readonly responses: Uint8Array;
  private readonly responseLength: Int32Array;
  private readonly subjects: (string | null)[];
  /** Per set, the way stored into last (the other one is replaced next). */
  private readonly newest: Uint8Array;
  private source: PacketCacheSource | null = null;
  private generation = -1;

  /** `responseMax`: the largest response kept (octets); `entries`: a power of two, at least 2. */
  constructor(
    private readonly responseMax: number,
    private readonly entries = PACKET_CACHE_ENTRIES,
  ) {
    if (entries < 2 || (entries & (entries - 1)) !== 0) throw new RangeError(`packet cache entries must be a power of two ≥ 2, got ${entries}`);
    this.keys = new Uint8Array(entries * PACKET_CACHE_KEY_MAX);
    this.keyLength = new Int32Array(entries);
    this.hashes = new Int32Array(entries);
    this.responses = new Uint8Array(entries * responseMax);
    this.responseLength = new Int32Array(entries);
    this.subjects = new Array<string | null>(entries).fill(null);
    this.newest = new Uint8Array(entries >> 1);
  }

  /** The entry answering `msg[0 .. length)` under `source`, or -1. */
  find(msg: Uint8Array, length: number, source: PacketCacheSource): number {
    if (source !== this.source || source.generation !== this.generation) {
      this.reset(source);
      return -1;
    }
    if (length < 12 || length > PACKET_CACHE_KEY_MAX) return -1;
    const hash = keyHash(msg, length);
    const first = (hash & ((this.entries >> 1) - 1)) << 1;
    for (let e = first; e < first + 2; e++) {
      if (this.hashes[e] === hash && this.keyLength[e] === length && this.sameKey(e, msg, length)) return e;
    }
    return -1;
  }

  /** Copies entry `e`'s response into `target` at `at` with the ID of `msg`; returns its length. */
  copyInto(e: number, msg: Uint8Array, target: Uint8Array, at: number): number {
    const length = this.responseLength[e] ?? 0;
    const from = e * this.responseMax;
    const responses = this.responses;
    target[at] = msg[0] ?? 0;
    target[at + 1] = msg[1] ?? 0;
    for (let i = 2; i < length; i++) target[at + i] = responses[from + i] ?? 0;
    return length;
  }

  /** What response rate limiting counted entry `e`'s response by (wire.ts rateLimitSubject), as stored. */
  subject(e: number): string | null {
    return this.subjects[e] ?? null;
  }

  /**
   * Keeps `response[at .. at + responseLength)` as the answer to `msg[0 .. length)` under `source` (the source
   * {@link find} was last called with); a query or response too long for an entry is not kept.
   */
  store(msg: Uint8Array, length: number, source: PacketCacheSource, response: Uint8Array, at: number, responseLength: number, subject: string | null): void {
    if (source !== this.source || source.generation !== this.generation) return;
    if (length < 12 || length > PACKET_CACHE_KEY_MAX || responseLength > this.responseMax) return;
    const hash = keyHash(msg, length);
    const set = hash & ((this.entries >> 1) - 1);
    const way = (this.newest[set] ?? 0) ^ 1;
    this.newest[set] = way;
    const e = (set << 1) | way;
    this.hashes[e] = hash;
    this.keyLength[e] = length;
    const keyAt = e * PACKET_CACHE_KEY_MAX;
    for (let i = 2; i < length; i++) this.keys[keyAt + i] = msg[i] ?? 0;
    const from = e * this.responseMax;
    for (let i = 0; i < responseLength; i++) this.responses[from + i] = response[at + i] ?? 0;
    this.responseLength[e] = responseLength;
    this.subjects[e] = subject;
  }

  /** Forgets every entry and ties the cache to `source` at its current generation. */
  private reset(source: PacketCacheSource): void {
    this.keyLength.fill(0);
    this.subjects.fill(null);
    this.source = source;
    this.generation = source.generation;
  }

  private sameKey(e: number, msg: Uint8Array, length: number): boolean {
    const keyAt = e * PACKET_CACHE_KEY_MAX;
    for (let i = 2; i < length; i++) if (this.keys[keyAt + i] !== msg[i]) return false;
    return true;
  }
}

/** FNV-1a over `msg[2 .. length)`, the query without its ID. */
function keyHash(msg: Uint8Array, length: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 2; i < length; i++) h = Math.imul(h ^ (msg[i] ?? 0), 0x01000193);
  return h;
}
