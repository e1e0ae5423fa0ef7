// Pure comparison of the primary's (zone, serial) map with a secondary's, and the targeted resyncs that repair it.
import type { ZoneEventType } from "@pdns-distribute/core";

/** How a secondary's zones differ from the primary's. */
export interface ZoneDiff {
  /** On the primary, not on the secondary → zone.add. */
  missing: string[];
  /** On the secondary, not on the primary → zone.delete. */
  extra: string[];
  /** On both with a different serial → zone.modified. */
  outdated: string[];
  /** On both with the same serial. */
  inSync: number;
}

/** One targeted resync to publish. */
export interface Resync {
  type: ZoneEventType;
  zone: string;
}

/** Compares two (zone → serial) maps; zone lists are sorted. */
export function diffZoneMaps(primary: ReadonlyMap<string, number>, secondary: ReadonlyMap<string, number>): ZoneDiff {
  const diff: ZoneDiff = { missing: [], extra: [], outdated: [], inSync: 0 };
  for (const [zone, serial] of primary) {
    const held = secondary.get(zone);
    if (held === undefined) diff.missing.push(zone);
    else if (held !== serial) diff.outdated.push(zone);
    else diff.inSync++;
  }
  for (const zone of secondary.keys()) if (!primary.has(zone)) diff.extra.push(zone);
  diff.missing.sort();
  diff.extra.sort();
  diff.outdated.sort();
  return diff;
}

/** The event that repairs one zone, or undefined when primary and secondary agree. */
export function resyncFor(primarySerial: number | undefined, secondarySerial: number | undefined): ZoneEventType | undefined {
  if (primarySerial === undefined) return secondarySerial === undefined ? undefined : "zone.delete";
  if (secondarySerial === undefined) return "zone.add";
  return primarySerial === secondarySerial ? undefined : "zone.modified";
}

/** The resyncs that repair `diff`, at most `max` (deletes first, then adds, then changes). */
export function resyncsOf(diff: ZoneDiff, max: number): Resync[] {
  const out: Resync[] = [];
  const push = (type: ZoneEventType, zones: string[]) => {
    for (const zone of zones) {
      if (out.length >= max) return;
      out.push({ type, zone });
    }
  };
  push("zone.delete", diff.extra);
  push("zone.add", diff.missing);
  push("zone.modified", diff.outdated);
  return out;
}

/** Counts of a diff (what the status reports). */
export function diffCounts(diff: ZoneDiff): { inSync: number; outdated: number; missing: number; extra: number } {
  return { inSync: diff.inSync, outdated: diff.outdated.length, missing: diff.missing.length, extra: diff.extra.length };
}
