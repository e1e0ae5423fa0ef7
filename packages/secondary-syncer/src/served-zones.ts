// Bridges stored zones to the answer engine: compiles zones and swaps them into the served ZoneSet.
import { applyRRsetChanges, compileZone, createZoneSet } from "@pdns-distribute/answer";
import type { CompiledZone, RRsetChange, ZoneSet } from "@pdns-distribute/answer";
import type { ZoneRecord } from "@pdns-distribute/dns";
import type { ServedZones } from "./apply";

/** RRset changes that made a version served from the one before (`fromSerial`), passed on to the DNS workers. */
export interface ServedChanges {
  fromSerial: number;
  serial: number;
  changes: readonly RRsetChange[];
}

/** Served zones backed by the answer engine's ZoneSet. */
export interface ServedZoneSet extends ServedZones {
  readonly zoneSet: ZoneSet;
  prepareChanges: NonNullable<ServedZones["prepareChanges"]>;
}

/**
 * Creates an empty served-zone set. Preparing a zone compiles it (or, `prepareChanges`, applies RRset changes to the
 * zone served as an overlay); swapping it in then replaces one reference.
 * `onChange` is called once a swapped-in zone is stored (the swap returns the function that does it), with the
 * RRset changes when it was made of them, and after each removal: DNS worker processes are told to apply the
 * changes, or to reload the zone.
 */
export function createServedZones(onChange?: (zone: string, removed: boolean, changes?: ServedChanges) => void): ServedZoneSet {
  const zoneSet = createZoneSet();
  const prepareCompiled = (zone: string, compiled: CompiledZone): (() => () => void) => () => {
    zoneSet.put(compiled);
    return () => onChange?.(zone, false); // once stored: workers reload it from SQLite
  };
  const prepare = (zone: string, records: readonly ZoneRecord[]): (() => () => void) => prepareCompiled(zone, compileZone(zone, records));
  const prepareChanges = (zone: string, changesOf: (served: CompiledZone) => readonly RRsetChange[] | string, serial: number) => {
    const served = zoneSet.get(zone);
    if (served === undefined) return "the zone is not served";
    const changes = changesOf(served);
    if (typeof changes === "string") return changes;
    const { zone: next, reason } = applyRRsetChanges(served, changes);
    if (next === null) return reason;
    if (next.serial !== serial) return `the changes give serial ${next.serial}, not ${serial}`;
    const serve = (): (() => void) => {
      // A compaction swapped in meanwhile holds the same data as `served`: the changes go on top of it.
      const now = zoneSet.get(zone);
      const version = now === served ? next : now === undefined ? null : applyRRsetChanges(now, changes).zone;
      if (version === null) throw new Error(`zone ${zone}: the served zone changed before the changes were swapped in`);
      zoneSet.put(version);
      return () => onChange?.(zone, false, { fromSerial: served.serial, serial, changes });
    };
    return { serve, records: next.recordCount, changes };
  };
  return {
    zoneSet,
    prepare,
    prepareCompiled,
    prepareChanges,
    replace: (zone, records) => prepare(zone, records)()(),
    remove: (zone) => {
      zoneSet.remove(zone);
      onChange?.(zone, true);
    },
    count: () => zoneSet.size,
  };
}
