// Adaptive coalescing window of the event consumer: a few ms when idle, growing while one zone's events keep coming.

/** Options of {@link AdaptiveCoalesceWindow}, ms. */
export interface CoalesceWindowOptions {
  /** Window after an idle period: an isolated change waits only this long before its transfer. */
  minMs: number;
  /** Largest window, reached while events for the zones just applied keep arriving during each batch. */
  maxMs: number;
}

/**
 * Decides how long the consumer waits to collect events before the next batch.
 *
 * - Events for a zone applied within the last `maxMs` arrived while the batch ran ("repeats", RecentZones): the
 *   zone changes faster than it is transferred, so the window doubles (at most `maxMs`) and the next batch waits
 *   for it: a burst then costs about one transfer per window and zone instead of one per event.
 * - A batch without repeats with events still queued (e.g. a fresh secondary replaying many different zones)
 *   halves it again; one that leaves the queue empty keeps it (the next event's wake decides).
 * - An idle period longer than the window (nothing queued) brings it back to `minMs`, so an isolated change
 *   after a burst propagates in a few ms again. A single change at a time never grows it.
 */
export class AdaptiveCoalesceWindow {
  private current: number;
  private idleSince: number | undefined;

  constructor(private readonly opts: CoalesceWindowOptions) {
    this.current = opts.minMs;
  }

  /** The current window, ms. */
  get ms(): number {
    return this.current;
  }

  /**
   * After a batch: `repeats` tells whether events for its zones arrived while it ran; `drained`, that nothing was
   * queued when it ended. A drained queue leaves the window as it is: a burst whose batches are applied faster than
   * its events come empties the queue after most batches, and halving then would undo the growth between two
   * batches; the idle period that follows decides instead (`wake`). Returns the window.
   */
  afterBatch(repeats: boolean, drained = false): number {
    const { minMs, maxMs } = this.opts;
    if (drained && !repeats) return this.current;
    this.current = repeats ? Math.min(Math.max(maxMs, minMs), Math.max(this.current * 2, minMs, 1)) : Math.max(minMs, Math.floor(this.current / 2));
    return this.current;
  }

  /** The queue ran empty at `now` (ms, any monotonic clock). */
  idle(now: number): void {
    this.idleSince = now;
  }

  /** The first event after an idle period arrived at `now`: the window to wait for more, ms. */
  wake(now: number): number {
    if (this.idleSince !== undefined && now - this.idleSince > this.current) this.current = this.opts.minMs;
    this.idleSince = undefined;
    return this.current;
  }
}

/**
 * Time from `nowMs` (wall clock, ms since the epoch) to the next multiple of `windowMs`. Waiting for the window
 * this way lines up the batches of every secondary seeing the same events (clocks in sync, as NTP keeps them), so
 * their zone-data requests can reach the zone-provider within its window and share one AXFR of the primary instead
 * of drifting apart by up to a window each (on busy shared cores they still spread: docs/scale.md). It also halves
 * the average wait of an isolated change (window / 2 instead of window).
 */
export function msToWindowBoundary(nowMs: number, windowMs: number): number {
  if (windowMs <= 0) return 0;
  const rest = nowMs % windowMs;
  return rest === 0 ? 0 : windowMs - rest;
}

/**
 * Zones applied within the last `spanMs`: an event arriving during a batch for one of them means the zone changes
 * again this soon — part of a burst — even when the batch itself was for other zones (many zones changing at a
 * few events per second each: no zone's events ever arrive during its own apply). A fresh secondary replaying
 * many different zones, or one change at a time, never matches.
 */
export class RecentZones {
  /** Zone → when it was last applied; in that order (re-inserted on every apply). */
  private readonly at = new Map<string, number>();

  constructor(private readonly spanMs: number) {}

  /** `zones` were applied at `now` (ms, any monotonic clock); forgets zones older than the span. */
  applied(zones: Iterable<string>, now: number): void {
    for (const zone of zones) {
      this.at.delete(zone);
      this.at.set(zone, now);
    }
    for (const [zone, t] of this.at) {
      if (now - t <= this.spanMs) break;
      this.at.delete(zone);
    }
  }

  /** Whether `zone` was applied within the span before `now`. */
  has(zone: string, now: number): boolean {
    const t = this.at.get(zone);
    return t !== undefined && now - t <= this.spanMs;
  }

  /** Zones remembered (tests). */
  get size(): number {
    return this.at.size;
  }
}


/** Options of {@link BatchPacer}, ms. */
export interface BatchPacerOptions {
  /** The window after an idle period (the secondary uses 0: an isolated change is fetched at once). */
  minMs: number;
  /** `sync.coalesce_max_window_ms`: the largest window, and how long an applied zone counts as recent. */
  maxMs: number;
}

/**
 * Paces the consumer's batches (pure; the caller passes the time and waits): the adaptive window, and whether
 * the last batch was part of a burst, told by the zones waiting after it (RecentZones).
 */
export class BatchPacer {
  private readonly window: AdaptiveCoalesceWindow;
  private readonly recent: RecentZones;
  /** Events for zones applied within the largest window arrived while the last batch ran. */
  private repeats = false;

  constructor(opts: BatchPacerOptions) {
    this.window = new AdaptiveCoalesceWindow({ minMs: opts.minMs, maxMs: opts.maxMs });
    this.recent = new RecentZones(Math.max(opts.maxMs, opts.minMs));
  }

  /** The current window, ms. */
  get windowMs(): number {
    return this.window.ms;
  }

  /** The queue ran empty at `now` (ms, monotonic); the consumer sleeps until the next event. */
  idle(now: number): void {
    this.window.idle(now);
  }

  /**
   * How long to collect events before the next batch, ms: after waking from idle (`woke`), the window the wake
   * decides; while the last batch's zones keep changing, the current window (their next events join the batch);
   * else none.
   */
  waitBeforeBatch(woke: boolean, now: number): number {
    if (woke) return this.window.wake(now);
    return this.repeats ? this.window.ms : 0;
  }

  /**
   * After a batch that applied `applied` at `now`: it was part of a burst when most zones waiting now were
   * applied moments ago. A fresh secondary replaying a backlog of many different zones (a few of them recently
   * applied, e.g. by a resync) is not in one: waiting would only slow it. `drained`: nothing at all is queued.
   * Returns whether it was.
   */
  afterBatch(applied: ReadonlySet<string>, waiting: ReadonlyMap<string, unknown>, drained: boolean, now: number): boolean {
    this.recent.applied(applied, now);
    let hot = 0;
    for (const zone of waiting.keys()) if (this.recent.has(zone, now)) hot++;
    this.repeats = applied.size > 0 && hot > 0 && hot * 2 >= waiting.size;
    this.window.afterBatch(this.repeats, drained);
    return this.repeats;
  }
}
