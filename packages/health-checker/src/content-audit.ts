// Pure logic of the content audit: which zone to audit next (rotating through all of them) and how a secondary's held content compares with the primary's.
import type { ZoneState } from "@pdns-distribute/core";

/** A zone's version on the primary, as the zone-provider read it whole: serial and SHA-256 of the canonical text. */
export interface PrimaryContent {
  serial: number;
  sha256: string;
  /** Records in the zone (what reading it cost), when known. */
  records?: number;
}

/** What a secondary said of one zone (a single-zone zone-state reply asked with `content`). */
export interface SecondaryContent {
  /** The serial it serves; undefined: not served. */
  serial: number | undefined;
  /** Events for the zone wait to be applied there. */
  pending: boolean;
  /** What it stores (null: nothing); absent from secondaries that do not report it. */
  content?: ZoneState["content"];
}

/** Outcomes of comparing one zone on one secondary (the `result` label of pdnsd_health_content_audits_total). */
export const AUDIT_RESULTS = {
  /** Same serial, same text: the secondary holds exactly the primary's content. */
  match: "match",
  /** Same serial, another text (or served with another): a full transfer repairs it. */
  mismatch: "mismatch",
  /** The secondary does not report what it holds (an older version): not compared, never resynced. */
  unknown: "unknown",
  /** Not comparable now: the serials differ, the zone is not served, or its events are still being applied. */
  skipped: "skipped",
  /** The secondary or the zone-provider did not answer. */
  error: "error",
} as const;
/** One of {@link AUDIT_RESULTS}. */
export type AuditResult = (typeof AUDIT_RESULTS)[keyof typeof AUDIT_RESULTS];

/**
 * Compares what a secondary holds of a zone with the primary's version. Only equal serials are compared (a zone
 * changing meanwhile is the serial checks' business); then the stored text's digest, and the digest the served
 * version was applied with when reported, must both equal the primary's.
 */
export function compareContent(primary: PrimaryContent, held: SecondaryContent): AuditResult {
  if (held.pending || held.serial === undefined) return AUDIT_RESULTS.skipped;
  if (held.serial !== primary.serial) return AUDIT_RESULTS.skipped;
  const c = held.content;
  if (c === undefined) return AUDIT_RESULTS.unknown;
  if (c === null) return AUDIT_RESULTS.mismatch; // served, but nothing stored: a restart would lose it
  if (c.serial !== primary.serial) return AUDIT_RESULTS.mismatch; // stored and served versions disagree
  if (c.sha256 !== primary.sha256) return AUDIT_RESULTS.mismatch;
  if (c.served !== undefined && c.served !== primary.sha256) return AUDIT_RESULTS.mismatch;
  return AUDIT_RESULTS.match;
}

/**
 * The order zones are audited in: every zone of the primary's list once per cycle, in name order, a new list read
 * at the start of each cycle (zones created meanwhile wait for the next one; deleted ones are skipped on the way).
 */
export class AuditRotation {
  private zones: string[] = [];
  private pos = 0;

  /** Whether the current cycle is over (or never started): the next one needs the primary's zone list. */
  needsZones(): boolean {
    return this.pos >= this.zones.length;
  }

  /** Starts a cycle over `zones`. */
  startCycle(zones: Iterable<string>): void {
    this.zones = [...zones].sort();
    this.pos = 0;
  }

  /** The next `n` zones of the cycle (fewer at its end). */
  take(n: number): string[] {
    const batch = this.zones.slice(this.pos, this.pos + n);
    this.pos += batch.length;
    return batch;
  }

  /** Zones in the current cycle. */
  size(): number {
    return this.zones.length;
  }
}

/**
 * When the audit after one of a zone of `records` records, begun at `startedAt` (ms), may begin: reads of the primary
 * for the audit then average at most `recordsPerSecond` records per second, whatever the zones' sizes.
 */
export function nextAuditAt(startedAt: number, records: number, recordsPerSecond: number): number {
  return startedAt + Math.ceil((records / recordsPerSecond) * 1000);
}
