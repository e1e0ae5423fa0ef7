// Reads of the primary, shared between requests, and started ahead of them when a zone event goes by.
//
// A zone-data request must be answered by a read of PowerDNS that saw the change the secondary is asking about.
// Without more to go on, that is a read that started after the request arrived (coalescingZoneSource). A
// request that names the zone events it answers (`events`: their ids) can also take a read that started after
// this process had seen all of those events on the bus: each event is published after its change is committed
// to PowerDNS, so such a read contains the change. The zone-provider watches the events itself and starts that
// read at once ("read-ahead"), while the event is still on its way to the secondaries; their requests then find
// the data ready, and N secondaries share one read instead of drifting into two or three.
import { coalescingZoneSource } from "./coalesce";
import type { ChainEvent } from "./change-chain";

/** Settings of {@link ZoneReads}. */
export interface ZoneReadsOptions<T> {
  /** Reads a zone from the primary (AXFR). */
  source: (zone: string) => Promise<T>;
  /** Requests without usable event ids arriving within this many ms share one read (0: never share). */
  coalesceWindowMs: number;
  /** A finished read still serves requests naming events it covers for this long, ms. */
  maxAgeMs: number;
  /** Read-ahead reads running at the same time, all zones together (more wait their turn). */
  readAheadConcurrency: number;
  /**
   * Zones waiting for a read-ahead slot at most (default 16 × readAheadConcurrency); events beyond it start no
   * read (a mass change, e.g. thousands of zones created at once: the secondaries' requests read them instead).
   */
  readAheadMaxQueued?: number;
  /** Event ids remembered (oldest forgotten first); a request naming a forgotten id gets a fresh read. */
  maxEventIds?: number;
  /** Milliseconds, any monotonic clock (tests). */
  now?: () => number;
  /** Told how each request was served: by a read started for an event ("ahead") or by a fresh read. */
  onServed?: (how: "ahead" | "fresh") => void;
  /** Told when an event starts no read: the zone's last read-ahead is still unasked for, or too many wait. */
  onSkipped?: () => void;
  /** Told of each zone event (zone lower-case) before any read it starts: incremental reads keep their chain. */
  onEvent?: (zone: string, type: string, event: ChainEvent) => void;
  /** Told when a request names an event this process never saw (or forgot): its zone's next read is a full one. */
  onUnseenEvent?: (zone: string) => void;
}

/** One read of a zone and when it started, in the order of events seen and reads started. */
interface Read<T> {
  tick: number;
  promise: Promise<T>;
  /** ms (opts.now) when it finished; undefined while running. */
  finishedAt: number | undefined;
  failed: boolean;
  /** Started for an event (not for a request). */
  ahead: boolean;
  /** A request was answered from it. */
  used: boolean;
}

const DEFAULT_MAX_EVENT_IDS = 65_536;

/** Shared reads of zones: fresh ones for plain requests, read-ahead ones for requests that name their events. */
export class ZoneReads<T> {
  /** One counter orders events seen and reads started: a read with a higher tick began after the event. */
  private tick = 0;
  private readonly seen = new Map<string, number>();
  /** The most recently started read of each zone (the only one worth handing out). */
  private readonly latest = new Map<string, Read<T>>();
  /** Zones whose read-ahead waits for a slot. */
  private readonly queued = new Set<string>();
  /** Zones with an event seen while a read was running: read again when it ends. */
  private readonly again = new Set<string>();
  private running = 0;
  private readonly fresh: (zone: string) => Promise<T>;
  private readonly now: () => number;

  constructor(private readonly opts: ZoneReadsOptions<T>) {
    this.now = opts.now ?? (() => performance.now());
    this.fresh = coalescingZoneSource((zone) => this.start(zone, false).promise, opts.coalesceWindowMs);
  }

  /** A zone event went by on the bus (any kind; deletes start no read); `event`: its serials and RRsets. */
  noteEvent(id: string, zone: string, type: string, event: ChainEvent = {}): void {
    this.opts.onEvent?.(zone.toLowerCase(), type, event);
    this.seen.set(id, ++this.tick);
    const max = this.opts.maxEventIds ?? DEFAULT_MAX_EVENT_IDS;
    if (this.seen.size > max) {
      for (const oldest of this.seen.keys()) {
        this.seen.delete(oldest);
        if (this.seen.size <= max) break;
      }
    }
    if (type !== "zone.delete") this.readAhead(zone.toLowerCase());
  }

  /**
   * Data for a request for `zone` that answers the events `eventIds` (none: unknown). A read that started after
   * all of them were seen is used when there is one (waiting for it if it still runs); otherwise a fresh read.
   */
  get(zone: string, eventIds?: readonly string[]): Promise<T> {
    const covering = eventIds && eventIds.length > 0 ? this.covering(zone.toLowerCase(), eventIds) : undefined;
    if (eventIds?.some((id) => !this.seen.has(id))) this.opts.onUnseenEvent?.(zone.toLowerCase());
    this.opts.onServed?.(covering ? "ahead" : "fresh");
    if (!covering) return this.fresh(zone);
    covering.used = true;
    return covering.promise;
  }

  /** Read-ahead reads running and waiting (metrics, tests). */
  get pending(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued.size + this.again.size };
  }

  private covering(key: string, eventIds: readonly string[]): Read<T> | undefined {
    const read = this.latest.get(key);
    if (!read || read.failed) return undefined;
    if (read.finishedAt !== undefined && this.now() - read.finishedAt > this.opts.maxAgeMs) return undefined;
    for (const id of eventIds) {
      const seenAt = this.seen.get(id);
      if (seenAt === undefined || seenAt > read.tick) return undefined;
    }
    return read;
  }

  private readAhead(key: string): void {
    const latest = this.latest.get(key);
    if (latest && latest.finishedAt === undefined && !latest.failed) {
      this.again.add(key); // one read at a time per zone: the next starts when this one ends
    } else if (latest && latest.ahead && !latest.used && !latest.failed) {
      // Nobody asked for the last read-ahead of this zone yet (secondaries busy coalescing a burst, or down):
      // another would be read for nobody too, while PowerDNS takes the burst's writes. Requests naming this
      // event get a fresh read; the next event after a read was used reads ahead again.
      this.opts.onSkipped?.();
    } else if (this.running < this.opts.readAheadConcurrency) {
      this.start(key, true);
    } else if (this.queued.has(key) || this.queued.size < (this.opts.readAheadMaxQueued ?? 16 * this.opts.readAheadConcurrency)) {
      this.queued.add(key);
    } else {
      this.opts.onSkipped?.();
    }
  }

  /** Starts a read of `zone`; it becomes the zone's latest and covers every event seen so far. */
  private start(zone: string, ahead: boolean): Read<T> {
    const key = zone.toLowerCase();
    // This read covers every event seen until now: a queued read-ahead for the zone is no longer needed.
    this.queued.delete(key);
    this.again.delete(key);
    if (ahead) this.running++;
    const read: Read<T> = { tick: ++this.tick, promise: undefined as unknown as Promise<T>, finishedAt: undefined, failed: false, ahead, used: !ahead };
    read.promise = this.opts.source(zone);
    this.latest.set(key, read);
    const settle = (failed: boolean): void => {
      read.finishedAt = this.now();
      read.failed = failed;
      if (ahead) this.running--;
      if (this.latest.get(key) === read) {
        if (failed) this.latest.delete(key);
        else setTimeout(() => this.latest.get(key) === read && this.latest.delete(key), this.opts.maxAgeMs + 1).unref();
      }
      if (this.again.delete(key)) this.readAhead(key);
      this.drain();
    };
    read.promise.then(
      () => settle(false),
      () => settle(true),
    );
    return read;
  }

  private drain(): void {
    for (const key of this.queued) {
      if (this.running >= this.opts.readAheadConcurrency) return;
      this.queued.delete(key);
      this.readAhead(key);
    }
  }
}
