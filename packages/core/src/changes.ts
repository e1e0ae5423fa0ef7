// Change tracking (pure): which zone changes every active secondary already serves (PENDING → INSYNC), bounded.
import { compareSerial } from "./serial";

/** PENDING until every active secondary (at least one) serves the change, then INSYNC. */
export type ChangeState = "PENDING" | "INSYNC";

/** One tracked change (a zone event for everyone). */
export interface TrackedChange {
  /** The change id: the zone event's id. */
  id: string;
  zone: string;
  type: "zone.add" | "zone.modified" | "zone.delete";
  /** The serial the change produced; null when unknown (then any later applied serial counts) or for a delete. */
  serial: number | null;
  /** Local time of the change, ms since the epoch. */
  time: number;
}

/** One secondary's view of one change. */
export interface SecondaryChangeState {
  id: string;
  /** Serial it serves for the zone (null: not served; undefined: not known yet). */
  servedSerial: number | null | undefined;
  inSync: boolean;
  /** When it first served the change (ISO), null while it does not. */
  syncedAt: string | null;
  /** syncedAt − time of the change, ms (0 when it already served it), null while not in sync. */
  propagationMs: number | null;
}

/** Status of one change as `GET /changes/{id}` reports it. */
export interface ChangeStatus {
  id: string;
  status: ChangeState;
  zone: string;
  type: TrackedChange["type"];
  serial: number | null;
  /** ISO time of the change. */
  time: string;
  /** When the last active secondary got there (ISO), null while PENDING. */
  syncedAt: string | null;
  /** syncedAt − time, ms; null while PENDING. */
  propagationMs: number | null;
  /** Active secondaries only, sorted by id. */
  secondaries: SecondaryChangeState[];
}

/** Bounds of a {@link ChangeTracker}. */
export interface ChangeTrackerOptions {
  /** Most changes kept; the oldest are dropped first. */
  maxChanges: number;
  /** A change is forgotten this long after it was made, ms. */
  retentionMs: number;
  /** Most (secondary, zone) served serials remembered (least recently updated dropped first). */
  maxServed: number;
}

/** Defaults: 10,000 changes, 1 hour, 100,000 served serials. */
export function defaultChangeTrackerOptions(): ChangeTrackerOptions {
  return { maxChanges: 10_000, retentionMs: 3_600_000, maxServed: 100_000 };
}

interface Entry {
  change: TrackedChange;
  /** secondary id → local time (ms) it first served the change. */
  synced: Map<string, number>;
}

interface Served {
  serial: number | null;
  at: number;
}

const key = (secondary: string, zone: string) => `${secondary}\u0000${zone}`;

/** Whether serving `served` satisfies `change` (RFC 1982: serial ≥ the change's). */
function satisfies(change: TrackedChange, served: Served, strictlyAfter: boolean): boolean {
  if (change.type === "zone.delete") return served.serial === null;
  if (served.serial === null) return false;
  if (change.serial === null) return strictlyAfter ? served.at >= change.time : false;
  return compareSerial(served.serial, change.serial) >= 0;
}

/**
 * Changes and what the secondaries serve. Feed it changes (`record`) and applied messages (`applied`);
 * ask with the ids of the currently active secondaries. Zone names are compared as given (pass them
 * lower-case and absolute). Memory is bounded by {@link ChangeTrackerOptions}.
 */
export class ChangeTracker {
  readonly #opts: ChangeTrackerOptions;
  readonly #changes = new Map<string, Entry>();
  /** zone → ids of its kept changes. */
  readonly #byZone = new Map<string, Set<string>>();
  /** (secondary, zone) → served; Map order is least recently updated first (the eviction order). */
  readonly #served = new Map<string, Served>();
  /** zone → secondary → served (the same objects). */
  readonly #servedByZone = new Map<string, Map<string, Served>>();

  constructor(opts: Partial<ChangeTrackerOptions> = {}) {
    this.#opts = { ...defaultChangeTrackerOptions(), ...opts };
  }

  /** Records a change; secondaries already serving it count as in sync from now. Returns false for a duplicate id. */
  record(change: TrackedChange, now = Date.now()): boolean {
    this.expire(now);
    if (this.#changes.has(change.id)) return false;
    while (this.#changes.size >= this.#opts.maxChanges) this.#drop(this.#changes.keys().next().value as string);
    const entry: Entry = { change, synced: new Map() };
    for (const [secondary, served] of this.#servedByZone.get(change.zone) ?? []) {
      if (satisfies(change, served, false)) entry.synced.set(secondary, change.time);
    }
    this.#changes.set(change.id, entry);
    let ids = this.#byZone.get(change.zone);
    if (!ids) this.#byZone.set(change.zone, (ids = new Set()));
    ids.add(change.id);
    return true;
  }

  /** Records that `secondary` now serves `serial` for `zone` (null: not served). Returns the ids of changes it completed. */
  applied(secondary: string, zone: string, serial: number | null, now = Date.now()): string[] {
    const k = key(secondary, zone);
    const served: Served = { serial, at: now };
    this.#served.delete(k);
    this.#served.set(k, served);
    let perZone = this.#servedByZone.get(zone);
    if (!perZone) this.#servedByZone.set(zone, (perZone = new Map()));
    perZone.set(secondary, served);
    while (this.#served.size > this.#opts.maxServed) {
      const oldest = this.#served.keys().next().value as string;
      this.#served.delete(oldest);
      const [s, z] = oldest.split("\u0000") as [string, string];
      const m = this.#servedByZone.get(z);
      m?.delete(s);
      if (m?.size === 0) this.#servedByZone.delete(z);
    }
    const done: string[] = [];
    for (const id of this.#byZone.get(zone) ?? []) {
      const entry = this.#changes.get(id);
      if (!entry || entry.synced.has(secondary) || !satisfies(entry.change, served, true)) continue;
      entry.synced.set(secondary, Math.max(now, entry.change.time));
      done.push(id);
    }
    return done;
  }

  /** What `secondary` serves for `zone` as last reported, and when (local ms); undefined when not known. */
  served(secondary: string, zone: string): { serial: number | null; at: number } | undefined {
    return this.#served.get(key(secondary, zone));
  }

  /** The status of one change, counting only `active` secondaries; undefined when unknown or expired. */
  status(id: string, active: readonly string[], now = Date.now()): ChangeStatus | undefined {
    const entry = this.#changes.get(id);
    if (!entry || now - entry.change.time > this.#opts.retentionMs) return undefined;
    return this.#statusOf(entry, active);
  }

  /** The most recent changes first, at most `limit`. */
  recent(limit: number, active: readonly string[], now = Date.now()): ChangeStatus[] {
    this.expire(now);
    const list = [...this.#changes.values()].slice(-Math.max(0, limit)).reverse();
    return list.map((e) => this.#statusOf(e, active));
  }

  /** The newest kept change of `zone`, if any. */
  latestOf(zone: string): TrackedChange | undefined {
    let latest: TrackedChange | undefined;
    for (const id of this.#byZone.get(zone) ?? []) {
      const c = this.#changes.get(id)?.change;
      if (c && (!latest || c.time >= latest.time)) latest = c;
    }
    return latest;
  }

  /** Changes kept. */
  size(): number {
    return this.#changes.size;
  }

  /** Drops changes older than the retention. */
  expire(now = Date.now()): void {
    for (const [id, entry] of this.#changes) {
      if (now - entry.change.time <= this.#opts.retentionMs) break; // insertion order ≈ time order
      this.#drop(id);
    }
  }

  #drop(id: string): void {
    const entry = this.#changes.get(id);
    this.#changes.delete(id);
    if (!entry) return;
    const ids = this.#byZone.get(entry.change.zone);
    ids?.delete(id);
    if (ids?.size === 0) this.#byZone.delete(entry.change.zone);
  }

  #statusOf(entry: Entry, active: readonly string[]): ChangeStatus {
    const { change } = entry;
    const iso = (ms: number) => new Date(ms).toISOString();
    const secondaries = [...active].sort().map((id): SecondaryChangeState => {
      const at = entry.synced.get(id);
      return {
        id,
        servedSerial: this.#served.get(key(id, change.zone))?.serial,
        inSync: at !== undefined,
        syncedAt: at === undefined ? null : iso(at),
        propagationMs: at === undefined ? null : at - change.time,
      };
    });
    // No active secondary at all: nothing serves the change, so it is not live anywhere.
    const inSync = secondaries.length > 0 && secondaries.every((s) => s.inSync);
    const last = inSync ? Math.max(change.time, ...secondaries.map((s) => entry.synced.get(s.id) ?? 0)) : undefined;
    return {
      id: change.id,
      status: inSync ? "INSYNC" : "PENDING",
      zone: change.zone,
      type: change.type,
      serial: change.serial,
      time: iso(change.time),
      syncedAt: last === undefined ? null : iso(last),
      propagationMs: last === undefined ? null : last - change.time,
      secondaries,
    };
  }
}

/**
 * Parses a duration: `500ms`, `10s`, `2m`, `1h`, or a bare number of seconds (`10`, `1.5`). Returns
 * milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
}
