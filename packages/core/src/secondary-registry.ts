// Pure bookkeeping of secondaries from their heartbeats (active / inactive) and the results of their checks.
import { inactiveAfterMs } from "./events";
import type { Heartbeat } from "./events";

/** Counts of the last comparison with the primary. */
export interface CheckCounts {
  inSync: number;
  outdated: number;
  missing: number;
  extra: number;
}

/** What is known of one secondary. */
export interface SecondaryState {
  id: string;
  name: string;
  dnsAddress: string;
  softwareVersion: string;
  zoneCount: number;
  /** zoneSetDigest from its last heartbeat (undefined: an older secondary without digest). */
  digest: string | undefined;
  /** Local time (ms) the last heartbeat arrived; 0 when never seen. */
  lastSeen: number;
  /** False for a static secondary that never sent a heartbeat. */
  seen: boolean;
  /** Listed in health.static_secondaries. */
  static: boolean;
  active: boolean;
  /** Local time (ms) of the last comparison with the primary, undefined when never. */
  lastChecked: number | undefined;
  counts: CheckCounts | undefined;
  /** Targeted resyncs published to it. */
  resyncs: number;
}

/** A change of a secondary's activity. */
export interface ActivityChange {
  id: string;
  active: boolean;
  state: SecondaryState;
}

/**
 * Registry of secondaries. One is inactive after missing {@link MISSED_HEARTBEATS} of its own heartbeat intervals
 * (see inactiveAfterMs in events.ts), or after `fixedInactiveAfterMs` without a heartbeat when that is given.
 */
export class SecondaryRegistry {
  readonly #states = new Map<string, SecondaryState>();
  /** Per secondary id: how long without a heartbeat makes it inactive, ms (from its last heartbeat). */
  readonly #inactiveAfter = new Map<string, number>();
  constructor(private readonly fixedInactiveAfterMs?: number) {}

  /** Adds expected secondaries (inactive until their first heartbeat). */
  addStatic(ids: readonly string[]): void {
    for (const id of ids) {
      const known = this.#states.get(id);
      if (known) known.static = true;
      else this.#states.set(id, { ...blank(id), static: true });
    }
  }

  /** Records a heartbeat; returns an activity change when the secondary is new or was inactive. */
  heartbeat(hb: Heartbeat, now: number): ActivityChange | undefined {
    const prev = this.#states.get(hb.id);
    const state: SecondaryState = {
      ...(prev ?? blank(hb.id)),
      name: hb.name,
      dnsAddress: hb.dnsAddress,
      softwareVersion: hb.softwareVersion,
      zoneCount: hb.zoneCount,
      digest: hb.digest,
      lastSeen: now,
      seen: true,
      active: true,
    };
    this.#states.set(hb.id, state);
    this.#inactiveAfter.set(hb.id, this.fixedInactiveAfterMs ?? inactiveAfterMs(hb));
    return prev?.active ? undefined : { id: hb.id, active: true, state };
  }

  /** Marks secondaries without a recent heartbeat inactive; returns the changes. */
  expire(now: number): ActivityChange[] {
    const changes: ActivityChange[] = [];
    for (const state of this.#states.values()) {
      const after = this.#inactiveAfter.get(state.id) ?? this.fixedInactiveAfterMs ?? inactiveAfterMs({});
      if (state.active && now - state.lastSeen > after) {
        state.active = false;
        changes.push({ id: state.id, active: false, state });
      }
    }
    return changes;
  }

  /** Records the result of a comparison with the primary. */
  recordCheck(id: string, counts: CheckCounts, now: number): void {
    const state = this.#states.get(id);
    if (!state) return;
    state.counts = counts;
    state.lastChecked = now;
  }

  /** Counts resyncs published to a secondary. */
  addResyncs(id: string, n: number): void {
    const state = this.#states.get(id);
    if (state) state.resyncs += n;
  }

  /** One secondary, or undefined. */
  get(id: string): SecondaryState | undefined {
    return this.#states.get(id);
  }

  /** All known secondaries, sorted by id. */
  list(): SecondaryState[] {
    return [...this.#states.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Active secondaries only. */
  active(): SecondaryState[] {
    return this.list().filter((s) => s.active);
  }
}

function blank(id: string): SecondaryState {
  return {
    id,
    name: id,
    dnsAddress: "",
    softwareVersion: "",
    zoneCount: 0,
    digest: undefined,
    lastSeen: 0,
    seen: false,
    static: false,
    active: false,
    lastChecked: undefined,
    counts: undefined,
    resyncs: 0,
  };
}
