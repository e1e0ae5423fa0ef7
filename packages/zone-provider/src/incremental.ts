// Incremental transfer planning: the zone-provider remembers the last versions of each zone it served and,
// when a secondary says which version it holds, answers with the difference instead of the whole zone.
// Pure (no I/O): the service feeds it the rendered text and sends what it returns.
import { diffZoneText, zoneTextDeltaBytes } from "@pdns-distribute/dns";
import { lthashAfterDelta } from "@pdns-distribute/core";
import type { LtHash, ZoneTextDeltaWire } from "@pdns-distribute/core";
import { LtHashBackground } from "./lthash-states";

/** One rendered version of a zone. */
export interface ZoneVersion {
  serial: number;
  /** Hex SHA-256 of `text`. */
  sha256: string;
  text: string;
  /** LtHash16 state of the text's lines, once known (derived from a delta, or computed in the background). */
  lthash?: LtHash;
}

/** What a version 3 reply binds: the state of the version served and, for a delta from the requester's own state, that state's digest. */
export interface LtHashPlan {
  state: LtHash;
  base?: string;
}

/** Bounds of the version cache and when a delta is worth sending. */
export interface IncrementalOptions {
  /** Versions kept per zone (the newest ones). */
  versionsPerZone: number;
  /** Memory budget for all kept zone texts, bytes (about 2 bytes per character: JS strings). */
  maxBytes: number;
  /** A delta is sent only when its lines take at most this fraction of the full text (else the full zone). */
  maxDeltaRatio: number;
}

/** Lines removed and added from the version with SHA-256 `fromSha256` to the current one (as ZoneTextDelta). */
export interface KnownDelta {
  fromSha256: string;
  fromSerial: number;
  removed: string[];
  added: Array<[number, string]>;
}

/** Why a request got the full zone instead of a delta (for logs and metrics). */
export type FullReason = "no-base" | "unknown-base" | "too-large";

/** What the planner decided for one request. */
export type DeltaPlan = { delta: ZoneTextDeltaWire } | { delta?: undefined; reason: FullReason };

/** Approximate memory a kept text takes: JS strings are UTF-16 (Latin-1 strings take less; this errs high). */
const costOf = (v: ZoneVersion): number => v.text.length * 2;

/**
 * Recent versions per zone, newest last, bounded per zone and in total (least recently served zones give up
 * their oldest versions first). A version larger than the whole budget is not kept.
 */
export class ZoneVersionCache {
  private readonly zones = new Map<string, ZoneVersion[]>();
  private bytes = 0;

  constructor(private readonly opts: Pick<IncrementalOptions, "versionsPerZone" | "maxBytes">) {}

  /** Remembers `version` of `zone` as its newest (once per SHA-256) and marks the zone recently used. */
  remember(zone: string, version: ZoneVersion): void {
    const list = this.zones.get(zone) ?? [];
    this.zones.delete(zone); // re-inserted below: Map order is least → most recently used
    const existing = list.findIndex((v) => v.sha256 === version.sha256);
    if (existing >= 0) list.push(...list.splice(existing, 1));
    else if (costOf(version) <= this.opts.maxBytes) {
      list.push(version);
      this.bytes += costOf(version);
    }
    while (list.length > this.opts.versionsPerZone) this.bytes -= costOf(list.shift() as ZoneVersion);
    if (list.length > 0) this.zones.set(zone, list);
    this.evict(zone);
  }

  /** The kept version of `zone` whose text has SHA-256 `sha256`, if any. */
  find(zone: string, sha256: string): ZoneVersion | undefined {
    return this.zones.get(zone)?.find((v) => v.sha256 === sha256);
  }

  /** The newest kept version of `zone`, if any. */
  newest(zone: string): ZoneVersion | undefined {
    return this.zones.get(zone)?.at(-1);
  }

  /** Zones, versions and approximate bytes kept. */
  stats(): { zones: number; versions: number; bytes: number } {
    let versions = 0;
    for (const list of this.zones.values()) versions += list.length;
    return { zones: this.zones.size, versions, bytes: this.bytes };
  }

  /** Drops oldest versions of the least recently used zones until within budget; `keep`'s newest stays. */
  private evict(keep: string): void {
    for (const [zone, list] of this.zones) {
      if (this.bytes <= this.opts.maxBytes) return;
      while (list.length > (zone === keep ? 1 : 0) && this.bytes > this.opts.maxBytes) this.bytes -= costOf(list.shift() as ZoneVersion);
      if (list.length === 0) this.zones.delete(zone);
    }
  }
}

/** Plans deltas from the versions secondaries hold to the version just rendered. */
export class DeltaPlanner {
  readonly cache: ZoneVersionCache;
  // Several secondaries usually ask for the same step at once: compute each (from → to) delta once.
  private readonly memo = new Map<string, DeltaPlan>();
  private static readonly MEMO_SIZE = 256;
  /** Larger deltas are not memoized (bounded memory). */
  private static readonly MEMO_MAX_LINES = 10_000;

  /** Computes the states of kept versions that could not be derived from a delta (the next change's base). */
  readonly lthashStates = new LtHashBackground();

  constructor(private readonly opts: IncrementalOptions) {
    this.cache = new ZoneVersionCache(opts);
  }

  /**
   * The LtHash16 state of `current` (planned with {@link plan} just before) for a version 3 reply: known, or derived
   * from the state of `plan`'s base and the delta's lines in O(change). `base` is set when the requester holds that
   * very state (`have.lthash`): a delta may then go without the state. Undefined while unknown; when a requester
   * offered what it holds (the zone changes and deltas flow), the state is then computed in the background, ready
   * to be the base of the next change. Zones nobody asks deltas for (a fresh secondary, a cold start) cost nothing.
   */
  lthashFor(zone: string, current: ZoneVersion, plan: DeltaPlan, have?: { sha256: string; lthash?: string }): LtHashPlan | undefined {
    const kept = this.cache.find(zone, current.sha256);
    const version = kept ?? current;
    const base = plan.delta ? this.cache.find(zone, plan.delta.fromSha256) : undefined;
    if (!version.lthash && plan.delta && base?.lthash) version.lthash = lthashAfterDelta(base.lthash, plan.delta);
    if (!version.lthash) {
      if (kept && have) this.lthashStates.schedule(kept, () => this.cache.find(zone, kept.sha256) === kept, () => this.catchUp(zone, kept));
      return undefined;
    }
    const baseDigest = plan.delta && have?.lthash !== undefined ? base?.lthash?.digest() : undefined;
    return baseDigest !== undefined && baseDigest === have?.lthash ? { state: version.lthash, base: baseDigest } : { state: version.lthash };
  }

  /**
   * Once the state of `done` is computed, the zone may have moved on (a large zone changing faster than its state
   * is computed): the newest kept version gets its state from `done`'s and one line diff, so the next change can
   * be derived from it instead of waiting for another whole computation.
   */
  private catchUp(zone: string, done: ZoneVersion): void {
    const newest = this.cache.newest(zone);
    if (!newest || newest === done || newest.lthash || !done.lthash) return;
    newest.lthash = lthashAfterDelta(done.lthash, diffZoneText(done.text, newest.text));
  }

  /**
   * Records `current` (the version about to be served) and decides what to send a requester that holds
   * `have`: a delta when the base is known and the delta is small enough, else the full zone (with why).
   * `patch`: the lines changed from a known earlier version (an incremental read), used instead of a diff.
   */
  plan(zone: string, current: ZoneVersion, have?: { serial: number; sha256: string }, patch?: KnownDelta): DeltaPlan {
    const base = have ? this.cache.find(zone, have.sha256) : undefined;
    this.cache.remember(zone, current);
    if (!have) return { reason: "no-base" };
    const known = patch?.fromSha256 === have.sha256 ? patch : undefined;
    if (!base && !known) return { reason: "unknown-base" };
    const from = known ? { sha256: known.fromSha256, serial: known.fromSerial } : (base as ZoneVersion);
    const key = `${zone} ${from.sha256} ${current.sha256}`;
    let plan = this.memo.get(key);
    if (!plan) {
      const diff = known ?? diffZoneText((base as ZoneVersion).text, current.text);
      plan =
        zoneTextDeltaBytes(diff) > current.text.length * this.opts.maxDeltaRatio
          ? { reason: "too-large" }
          : { delta: { fromSha256: from.sha256, fromSerial: from.serial, removed: diff.removed, added: diff.added } };
      if (this.memo.size >= DeltaPlanner.MEMO_SIZE) this.memo.delete(this.memo.keys().next().value as string);
      if (!plan.delta || plan.delta.removed.length + plan.delta.added.length <= DeltaPlanner.MEMO_MAX_LINES) this.memo.set(key, plan);
    }
    return plan;
  }
}
