// Pure decision whether incoming signed zone data may replace what a secondary holds (RFC 1982 serials).
import { compareSerial } from "@pdns-distribute/core";

/** What to do with incoming zone data. */
export const APPLY_DECISION = {
  /** Serve and store it. */
  apply: "apply",
  /** Same version as held: nothing to do. */
  same: "same",
  /** Older than what is held (a replay or a late message): reject. */
  stale: "stale",
} as const;
/** One of APPLY_DECISION's values. */
export type ApplyDecision = (typeof APPLY_DECISION)[keyof typeof APPLY_DECISION];

/** Version facts of a zone: SOA serial and the time the primary signed it. */
export interface ZoneVersion {
  serial: number;
  timestamp: number;
}

/**
 * Newer serial (RFC 1982) → apply; older serial → stale. With equal serials the signing time decides,
 * so a re-signed zone with an unchanged serial is still taken, while a replay of the held version is not.
 */
export function decideApply(held: ZoneVersion | undefined, incoming: ZoneVersion): ApplyDecision {
  if (!held) return APPLY_DECISION.apply;
  const cmp = compareSerial(incoming.serial, held.serial);
  if (cmp > 0) return APPLY_DECISION.apply;
  if (cmp < 0) return APPLY_DECISION.stale;
  if (incoming.timestamp > held.timestamp) return APPLY_DECISION.apply;
  if (incoming.timestamp === held.timestamp) return APPLY_DECISION.same;
  return APPLY_DECISION.stale;
}

/**
 * For a full resync (the content audit found the held text differs from the primary's at the same serial): apply
 * unless the incoming serial is older (RFC 1982). The signing time does not decide: what is held is in doubt.
 */
export function decideFullApply(held: ZoneVersion | undefined, incoming: ZoneVersion): ApplyDecision {
  if (!held) return APPLY_DECISION.apply;
  return compareSerial(incoming.serial, held.serial) < 0 ? APPLY_DECISION.stale : APPLY_DECISION.apply;
}

/** A decoded zone event waiting in the consumer, in stream order (`zone` already normalized). */
export interface PendingZoneEvent {
  seq: number;
  /** The event's id (zone events carry a UUID). */
  id?: string;
  type: "zone.add" | "zone.modified" | "zone.delete";
  zone: string;
  /** A full resync (the event's `full`): fetch the whole zone and replace the held version. */
  full?: true;
}

/** What one transfer (or delete) must do for a zone to reflect a run of its events. */
export interface ZonePlan {
  zone: string;
  /** A delete is among the events: the held version no longer counts (the zone was removed, maybe re-created). */
  deleted: boolean;
  /** An add or modify follows the last delete (or there is no delete): fetch the current version. */
  sync: boolean;
  /** Stream sequences of every event folded into this plan; all are acked together after the apply. */
  seqs: number[];
  /** Ids of those events (named in the zone-data request, so the zone-provider may answer from its read-ahead). */
  eventIds: string[];
  /** A full resync is among the events: fetch the whole zone, offering no held version, and replace it. */
  full?: true;
}

/**
 * Coalesces a batch of events per zone so one transfer brings the newest version. Events carry no data,
 * so for each zone only the last delete and whether anything came after it matter:
 * - …, delete            → delete
 * - …, delete, add, …    → fetch and replace regardless of the held serial (a re-created zone may
 *                          restart at a lower serial); the zone is removed if the primary no longer has it
 * - add / modified only  → fetch; the usual RFC 1982 serial check applies
 * Plans come in the order of each zone's first event; different zones are independent.
 */
export function coalesceEvents(events: PendingZoneEvent[]): ZonePlan[] {
  const plans = new Map<string, ZonePlan>();
  for (const e of events) {
    let plan = plans.get(e.zone);
    if (!plan) {
      plan = { zone: e.zone, deleted: false, sync: false, seqs: [], eventIds: [] };
      plans.set(e.zone, plan);
    }
    plan.seqs.push(e.seq);
    if (e.id !== undefined) plan.eventIds.push(e.id);
    if (e.full) plan.full = true;
    if (e.type === "zone.delete") {
      plan.deleted = true;
      plan.sync = false;
    } else {
      plan.sync = true;
    }
  }
  return [...plans.values()];
}
