// Pure bookkeeping of secondaries from their heartbeats: who is active, who went quiet.
import type { Heartbeat } from "@pdns-distribute/core";

/** What is known of one secondary. */
export interface SecondaryState {
  id: string;
  name: string;
  dnsAddress: string;
  softwareVersion: string;
  zoneCount: number;
  /** Local time (ms) the last heartbeat arrived. */
  lastSeen: number;
  active: boolean;
}

/** A change of a secondary's activity. */
export interface ActivityChange {
  id: string;
  active: boolean;
  state: SecondaryState;
}

/** Registry of secondaries; `inactiveAfterMs` without a heartbeat makes one inactive. */
export class SecondaryRegistry {
  readonly #states = new Map<string, SecondaryState>();
  constructor(private readonly inactiveAfterMs: number) {}

  /** Records a heartbeat; returns an activity change when the secondary is new or was inactive. */
  heartbeat(hb: Heartbeat, now: number): ActivityChange | undefined {
    const prev = this.#states.get(hb.id);
    const state: SecondaryState = {
      id: hb.id,
      name: hb.name,
      dnsAddress: hb.dnsAddress,
      softwareVersion: hb.softwareVersion,
      zoneCount: hb.zoneCount,
      lastSeen: now,
      active: true,
    };
    this.#states.set(hb.id, state);
    return prev?.active ? undefined : { id: hb.id, active: true, state };
  }

  /** Marks secondaries without a recent heartbeat inactive; returns the changes. */
  expire(now: number): ActivityChange[] {
    const changes: ActivityChange[] = [];
    for (const state of this.#states.values()) {
      if (state.active && now - state.lastSeen > this.inactiveAfterMs) {
        state.active = false;
        changes.push({ id: state.id, active: false, state });
      }
    }
    return changes;
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
