// How long to wait for a zone-data reply, per zone: long enough for the zone-provider to read, render and sign
// a large zone. Pure bookkeeping; the fetcher reports each request's outcome.

/**
 * Per-zone request timeouts. A zone starts at `baseMs`; a timed-out request doubles the next wait (up to
 * `maxMs`), so a zone that takes the zone-provider longer than the configured timeout is still fetched after a
 * few attempts instead of timing out forever; a reply sets the wait to three times how long it took (at least
 * `baseMs`), so a large zone keeps the room it needs and a fast one goes back to the base.
 */
export class ZoneRequestTimeouts {
  private readonly zones = new Map<string, { failures: number; lastMs: number }>();
  /** Zones remembered at most (the least recently updated are forgotten: they start from the base again). */
  private static readonly MAX_ZONES = 10_000;

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  /**
   * The timeout for the next request for `zone`, ms. `heldBytes`, the size of the zone text held, gives a large
   * zone room from the first request after a restart ({@link MS_PER_HELD_BYTE}).
   */
  timeoutFor(zone: string, heldBytes = 0): number {
    const s = this.zones.get(zone);
    const t = Math.max(this.baseMs, heldBytes * ZoneRequestTimeouts.MS_PER_HELD_BYTE, s ? Math.max(3 * s.lastMs, this.baseMs * 2 ** s.failures) : 0);
    return Math.min(this.maxMs, t);
  }

  /**
   * Time allowed per byte of a held zone text: 5 µs, i.e. 20 s for a 100,000-record zone (4 MB of text), about
   * five times what the zone-provider needs on the 2-core reference machine to read, render and sign it.
   */
  static readonly MS_PER_HELD_BYTE = 0.005;

  /** A reply for `zone` arrived after `ms`. */
  succeeded(zone: string, ms: number): void {
    this.zones.delete(zone);
    if (3 * ms > this.baseMs) this.remember(zone, { failures: 0, lastMs: ms });
  }

  /** A request for `zone` timed out. */
  timedOut(zone: string): void {
    const s = this.zones.get(zone) ?? { failures: 0, lastMs: 0 };
    this.zones.delete(zone);
    this.remember(zone, { failures: Math.min(s.failures + 1, 30), lastMs: s.lastMs });
  }

  private remember(zone: string, s: { failures: number; lastMs: number }): void {
    this.zones.set(zone, s);
    if (this.zones.size > ZoneRequestTimeouts.MAX_ZONES) this.zones.delete(this.zones.keys().next().value as string);
  }
}
