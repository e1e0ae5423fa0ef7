// Bridges stored zones to the answer engine: compiles zones and swaps them into the served ZoneSet.
import { compileZone, createZoneSet } from "@pdns-distribute/answer";
import type { CompiledZone, ZoneSet } from "@pdns-distribute/answer";
import type { ZoneRecord } from "@pdns-distribute/dns";
import type { ServedZones } from "./apply";

/** Served zones backed by the answer engine's ZoneSet. */
export interface ServedZoneSet extends ServedZones {
  readonly zoneSet: ZoneSet;
}

/**
 * Creates an empty served-zone set. Preparing a zone compiles it; swapping it in then replaces one reference.
 * `onChange` is called once a swapped-in zone is stored (the swap returns the function that does it), and after
 * each removal: DNS worker processes are told to reload the zone.
 */
export function createServedZones(onChange?: (zone: string, removed: boolean) => void): ServedZoneSet {
  const zoneSet = createZoneSet();
  const prepareCompiled = (zone: string, compiled: CompiledZone): (() => () => void) => () => {
    zoneSet.put(compiled);
    return () => onChange?.(zone, false); // once stored: workers reload it from SQLite
  };
  const prepare = (zone: string, records: readonly ZoneRecord[]): (() => () => void) => prepareCompiled(zone, compileZone(zone, records));
  return {
    zoneSet,
    prepare,
    prepareCompiled,
    replace: (zone, records) => prepare(zone, records)()(),
    remove: (zone) => {
      zoneSet.remove(zone);
      onChange?.(zone, true);
    },
    count: () => zoneSet.size,
  };
}
