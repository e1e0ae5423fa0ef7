// TCP connection slots (pure, no sockets): a cap per client prefix, a global cap, eviction of the idlest, fair share.

import { clientPrefix } from "./rrl";

/** Why a connection was not admitted. */
export const TCP_REFUSAL = {
  /** Its client prefix (/24, /56) already holds its share of connections. */
  prefix: "prefix",
  /** Every slot is taken by a connection active too recently to evict, and no prefix holds two more than the client's. */
  full: "full",
} as const;
/** One of TCP_REFUSAL's values. */
export type TcpRefusal = (typeof TCP_REFUSAL)[keyof typeof TCP_REFUSAL];

/**
 * A connection is evicted to make room only once it has gone this long without a whole message (or since it was
 * opened): a flood of new connections then cannot churn through the slots faster than this.
 */
export const TCP_EVICTABLE_AFTER_MS = 1000;

/** Outcome of {@link TcpSlots.admit}. */
export type TcpAdmission<T> = { admitted: true; evict: T | null } | { admitted: false; reason: TcpRefusal };

/** Slot state of one connection. */
interface Slot {
  prefix: string;
  /** When it last completed a message, or was opened. */
  since: number;
}

/**
 * Open TCP connections by client prefix, least recently active first (RFC 7766 §6.2.3: a server may close idle
 * connections when it needs the resources). `maxPerPrefix` 0: no per-prefix cap.
 *
 * When every slot is taken: the connection idle longest makes room once it has idled
 * {@link TCP_EVICTABLE_AFTER_MS}; before that, a newcomer whose prefix holds at least two connections fewer than the
 * busiest prefix takes the busiest prefix's idlest slot (fair share): clients from many prefixes that keep every
 * slot fresh cannot lock out a prefix that holds less than they do.
 */
export class TcpSlots<T> {
  private readonly slots = new Map<T, Slot>();
  /** Per prefix, its connections least recently active first. */
  private readonly byPrefix = new Map<string, Map<T, Slot>>();
  private readonly counts = new PrefixCounts();

  constructor(
    private readonly max: number,
    private readonly maxPerPrefix: number,
  ) {}

  /** Connections held. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Admits `conn` from `address` at `now`: refused when its prefix is at its cap, or when all slots are taken and
   * neither the idlest connection (idle too briefly) nor the busiest prefix (no more than one connection ahead)
   * gives way; else admitted, naming the connection to close for it when all slots were taken.
   */
  admit(conn: T, address: string, now: number): TcpAdmission<T> {
    const prefix = clientPrefix(address);
    const open = this.byPrefix.get(prefix)?.size ?? 0;
    if (this.maxPerPrefix > 0 && open >= this.maxPerPrefix) return { admitted: false, reason: TCP_REFUSAL.prefix };
    let evict: T | null = null;
    if (this.slots.size >= this.max) {
      evict = this.toEvict(open, now);
      if (evict === null) return { admitted: false, reason: TCP_REFUSAL.full };
      this.release(evict);
    }
    const slot = { prefix, since: now };
    this.slots.set(conn, slot);
    let mine = this.byPrefix.get(prefix);
    if (mine === undefined) this.byPrefix.set(prefix, (mine = new Map()));
    mine.set(conn, slot);
    this.counts.add(prefix, mine.size);
    return { admitted: true, evict };
  }

  /** The connection to close for a newcomer whose prefix holds `open` connections, or null when none gives way. */
  private toEvict(open: number, now: number): T | null {
    const stalest = this.slots.entries().next().value;
    if (stalest === undefined) return null;
    if (now - stalest[1].since >= TCP_EVICTABLE_AFTER_MS) return stalest[0];
    const busiest = this.counts.busiest();
    if (busiest === undefined || busiest.count < open + 2) return null;
    return (this.byPrefix.get(busiest.prefix) as Map<T, Slot>).keys().next().value as T;
  }

  /** `conn` completed a message at `now`: it becomes the most recently active. */
  active(conn: T, now: number): void {
    const slot = this.slots.get(conn);
    if (slot === undefined) return;
    const mine = this.byPrefix.get(slot.prefix) as Map<T, Slot>;
    this.slots.delete(conn);
    mine.delete(conn);
    slot.since = now;
    this.slots.set(conn, slot);
    mine.set(conn, slot);
  }

  /** `conn` is gone (closed or evicted); releasing twice is harmless. */
  release(conn: T): void {
    const slot = this.slots.get(conn);
    if (slot === undefined) return;
    this.slots.delete(conn);
    const mine = this.byPrefix.get(slot.prefix) as Map<T, Slot>;
    mine.delete(conn);
    this.counts.remove(slot.prefix, mine.size);
    if (mine.size === 0) this.byPrefix.delete(slot.prefix);
  }
}

/** Prefixes grouped by how many connections each holds, to find the busiest in constant time. */
class PrefixCounts {
  private readonly withCount = new Map<number, Set<string>>();
  private max = 0;

  /** `prefix` now holds `count` connections, one more than before. */
  add(prefix: string, count: number): void {
    this.move(prefix, count - 1, count);
    if (count > this.max) this.max = count;
  }

  /** `prefix` now holds `count` connections, one fewer than before. */
  remove(prefix: string, count: number): void {
    this.move(prefix, count + 1, count);
    while (this.max > 0 && !this.withCount.has(this.max)) this.max--;
  }

  /** A prefix holding the most connections, and how many. */
  busiest(): { prefix: string; count: number } | undefined {
    const prefix = this.withCount.get(this.max)?.values().next().value;
    return prefix === undefined ? undefined : { prefix, count: this.max };
  }

  private move(prefix: string, from: number, to: number): void {
    const old = this.withCount.get(from);
    old?.delete(prefix);
    if (old?.size === 0) this.withCount.delete(from);
    if (to === 0) return;
    let set = this.withCount.get(to);
    if (set === undefined) this.withCount.set(to, (set = new Set()));
    set.add(prefix);
  }
}
