// TCP connection slots (pure, no sockets): a cap per client prefix, a global cap, and eviction of the stalest.

import { clientPrefix } from "./rrl";

/** Why a connection was not admitted. */
export const TCP_REFUSAL = {
  /** Its client prefix (/24, /56) already holds its share of connections. */
  prefix: "prefix",
  /** Every slot is taken by a connection that was active too recently to evict. */
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
 */
export class TcpSlots<T> {
  private readonly slots = new Map<T, Slot>();
  private readonly perPrefix = new Map<string, number>();

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
   * the stalest connection was active less than {@link TCP_EVICTABLE_AFTER_MS} ago; else admitted, naming the
   * connection to close for it (the stalest) when all slots were taken.
   */
  admit(conn: T, address: string, now: number): TcpAdmission<T> {
    const prefix = clientPrefix(address);
    const open = this.perPrefix.get(prefix) ?? 0;
    if (this.maxPerPrefix > 0 && open >= this.maxPerPrefix) return { admitted: false, reason: TCP_REFUSAL.prefix };
    let evict: T | null = null;
    if (this.slots.size >= this.max) {
      const stalest = this.slots.entries().next().value;
      if (stalest === undefined || now - stalest[1].since < TCP_EVICTABLE_AFTER_MS) return { admitted: false, reason: TCP_REFUSAL.full };
      evict = stalest[0];
      this.release(evict);
    }
    this.slots.set(conn, { prefix, since: now });
    this.perPrefix.set(prefix, (this.perPrefix.get(prefix) ?? 0) + 1); // re-read: the evicted one may share the prefix
    return { admitted: true, evict };
  }

  /** `conn` completed a message at `now`: it becomes the most recently active. */
  active(conn: T, now: number): void {
    const slot = this.slots.get(conn);
    if (slot === undefined) return;
    this.slots.delete(conn);
    slot.since = now;
    this.slots.set(conn, slot);
  }

  /** `conn` is gone (closed or evicted); releasing twice is harmless. */
  release(conn: T): void {
    const slot = this.slots.get(conn);
    if (slot === undefined) return;
    this.slots.delete(conn);
    const left = (this.perPrefix.get(slot.prefix) ?? 1) - 1;
    if (left > 0) this.perPrefix.set(slot.prefix, left);
    else this.perPrefix.delete(slot.prefix);
  }
}
