// Bridges stored zones to the answer engine: compiles zones and swaps them into the served ZoneSet.
import { compileZone, createZoneSet } from "./answer";
import type { ZoneSet } from "./answer";
import type { ServedZones } from "./apply";

/** Served zones backed by the answer engine's ZoneSet. */
export interface ServedZoneSet extends ServedZones {
  readonly zoneSet: ZoneSet;
}

/**
 * Creates an empty served-zone set. Replacing a zone compiles it first, then swaps one reference. `onChange` is
 * called after each swap or removal (DNS worker processes are told to reload the zone).
 */
export function createServedZones(onChange?: (zone: string, removed: boolean) => void): ServedZoneSet {
  const zoneSet = createZoneSet();
  return {
    zoneSet,
    replace: (zone, records) => {
      zoneSet.put(compileZone(zone, records));
      onChange?.(zone, false);
    },
    remove: (zone) => {
      zoneSet.remove(zone);
      onChange?.(zone, true);
    },
    count: () => zoneSet.size,
  };
}
