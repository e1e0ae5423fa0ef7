// Whole UDP responses kept by the query's octets after the ID, so a repeated query costs a lookup, a copy and an ID patch.

/** Longest query kept: header, a 255-octet name, type and class, and an OPT without options (12 + 255 + 4 + 11). */
export const PACKET_CACHE_KEY_MAX = 282;
/** Entries of a cache made with no size given (two per set). */
export const PACKET_CACHE_ENTRIES = 4096;

/** What a response's validity is tied to: a set of served zones (by identity) and its generation. */
export interface PacketCacheSource {
  readonly generation: number;
}

/** Arena of a cache made with no size given: room for its 4,096 entries at 512 octets each (query and response). */
export const PACKET_CACHE_ARENA_BYTES = 2 * 1024 * 1024;

/** Per entry in the table: hash, key length, response length, arena offset, lap of the arena it was written in. */
const FIELDS = 5;
const HASH = 0;
const KEY_LENGTH = 1;
const RESPONSE_LENGTH = 2;
const OFFSET = 3;
const LAP = 4;

/**
 * A two-way set-associative cache of UDP responses. The key is the query as received minus its ID (flags, counts,
 * question with its case, OPT), so the caller must only {@link store} responses that depend on nothing else: not
 * on the client (cookies, NSID, RRL's verdict), not on a per-response counter (round robin over several records).
 * An entry holds for the zone source and generation it was stored under; another source or generation empties the
 * cache. Keys and responses are written one after the other into an arena used as a ring (so the answers in use
 * lie close together, a few pages, not one page each); an entry whose octets the ring has since overwritten is
 * gone. Fixed arrays: a hit allocates nothing.
 */
export class PacketCache {
  private readonly table: Int32Array;
  private readonly arena: Uint8Array;
  private readonly subjects: (string | null)[];
  /** Per set, the way stored into last (the other one is replaced next). */
  private readonly newest: Uint8Array;
  /** DataViews of the arena and of the last target buffer: responses are copied four octets at a time. */
  private readonly arenaView: DataView;
  private readonly targetViews = new ViewOf();
  /** Where the next entry is written, and how many times the ring has wrapped (entries of lap 0 are empty). */
  private head = 0;
  private lap = 1;
  private source: PacketCacheSource | null = null;
  private generation = -1;

  /** `responseMax`: the largest response kept (octets); `entries`: a power of two, at least 2; `arenaBytes`: room for keys and responses. */
  constructor(
    private readonly responseMax: number,
    private readonly entries = PACKET_CACHE_ENTRIES,
    arenaBytes = PACKET_CACHE_ARENA_BYTES,
  ) {
    if (entries < 2 || (entries & (entries - 1)) !== 0) throw new RangeError(`packet cache entries must be a power of two ≥ 2, got ${entries}`);
    if (arenaBytes < PACKET_CACHE_KEY_MAX + responseMax + 8) throw new RangeError(`packet cache arena too small for one entry: ${arenaBytes}`);
    this.table = new Int32Array(entries * FIELDS);
    this.arena = new Uint8Array(arenaBytes);
    this.arenaView = new DataView(this.arena.buffer);
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
    const t = this.table;
    for (let e = first; e < first + 2; e++) {
      const f = e * FIELDS;
      if (t[f + HASH] === hash && t[f + KEY_LENGTH] === length && this.live(f) && this.sameKey(t[f + OFFSET] ?? 0, msg, length)) return e;
    }
    return -1;
  }

  /** Copies entry `e`'s response into `target` at `at` with the ID of `msg`; returns its length. */
  copyInto(e: number, msg: Uint8Array, target: Uint8Array, at: number): number {
    const f = e * FIELDS;
    const length = this.table[f + RESPONSE_LENGTH] ?? 0;
    const from = (this.table[f + OFFSET] ?? 0) + (this.table[f + KEY_LENGTH] ?? 0);
    copyWords(this.arenaView, from, this.targetViews.of(target), target.byteOffset + at, length);
    target[at] = msg[0] ?? 0;
    target[at + 1] = msg[1] ?? 0;
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
    const offset = this.claim(length + responseLength);
    this.arena.set(msg.subarray(0, length), offset);
    copyWords(this.targetViews.of(response), response.byteOffset + at, this.arenaView, offset + length, responseLength);
    const f = e * FIELDS;
    this.table[f + HASH] = hash;
    this.table[f + KEY_LENGTH] = length;
    this.table[f + RESPONSE_LENGTH] = responseLength;
    this.table[f + OFFSET] = offset;
    this.table[f + LAP] = this.lap;
    this.subjects[e] = subject;
  }

  /** Room for `bytes` octets at the ring's head (wrapping to the start when the end is too close): their offset. */
  private claim(bytes: number): number {
    if (this.head + bytes > this.arena.length) {
      this.head = 0;
      this.lap++;
    }
    const offset = this.head;
    this.head += (bytes + 3) & ~3;
    return offset;
  }

  /** The entry at table index `f` is still in the arena: written in this lap, or in the last one past the head. */
  private live(f: number): boolean {
    const lap = this.table[f + LAP] ?? 0;
    return lap === this.lap || (lap === this.lap - 1 && (this.table[f + OFFSET] ?? 0) >= this.head);
  }

  /** Forgets every entry (two laps on: none is live) and ties the cache to `source` at its current generation. */
  private reset(source: PacketCacheSource): void {
    this.lap += 2;
    this.head = 0;
    this.source = source;
    this.generation = source.generation;
  }

  /** The key at `offset` of the arena is `msg[0 .. length)`, the ID aside. */
  private sameKey(offset: number, msg: Uint8Array, length: number): boolean {
    const keys = this.arenaView;
    let i = 2;
    for (; i + 4 <= length; i += 4) if (keys.getInt32(offset + i) !== word(msg, i)) return false;
    for (; i < length; i++) if (keys.getUint8(offset + i) !== msg[i]) return false;
    return true;
  }
}

/** A DataView of the whole buffer under the last array asked for (a batch socket's output is always the same). */
class ViewOf {
  private array: Uint8Array | null = null;
  private buffer: ArrayBufferLike | null = null;
  private view: DataView = new DataView(new ArrayBuffer(0));

  of(array: Uint8Array): DataView {
    if (array === this.array) return this.view;
    this.array = array;
    if (array.buffer !== this.buffer) {
      this.buffer = array.buffer;
      this.view = new DataView(array.buffer);
    }
    return this.view;
  }
}

/** Copies `length` octets from `from` in `source` to `to` in `target`, four at a time. */
function copyWords(source: DataView, from: number, target: DataView, to: number, length: number): void {
  let i = 0;
  for (; i + 4 <= length; i += 4) target.setInt32(to + i, source.getInt32(from + i));
  for (; i < length; i++) target.setUint8(to + i, source.getUint8(from + i));
}

/** MurmurHash3 (x86, 32-bit) of the query without its ID: `msg[2 .. length)`. */
function keyHash(msg: Uint8Array, length: number): number {
  let h = 0;
  let i = 2;
  for (; i + 4 <= length; i += 4) h = (Math.imul(rotl(h ^ mixWord(word(msg, i)), 13), 5) + 0xe6546b64) | 0;
  let tail = 0;
  for (let shift = 0; i < length; i++, shift += 8) tail |= (msg[i] ?? 0) << shift;
  h ^= mixWord(tail) ^ (length - 2);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The big-endian 32-bit word at `msg[i]` (as DataView#getInt32 reads it), without a DataView of the message. */
function word(msg: Uint8Array, i: number): number {
  return ((msg[i] ?? 0) << 24) | ((msg[i + 1] ?? 0) << 16) | ((msg[i + 2] ?? 0) << 8) | (msg[i + 3] ?? 0);
}

function mixWord(k: number): number {
  return Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}
