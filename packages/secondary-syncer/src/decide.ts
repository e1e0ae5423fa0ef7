// Pure decision whether incoming signed zone data may replace what a secondary holds (RFC 1982 serials).
import { compareSerial } from "@pdns-distribute/core";

/** What to do with incoming zone data. */
export const APPLY_DECISION = {
  /** Store and serve it. */
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
