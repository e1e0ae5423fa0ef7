// Compacts zones served with an overlay of changes: compiles them whole in the background and swaps them in.
import { applyRRsetChanges, overlayChanges } from "@pdns-distribute/answer";
import type { CompiledZone, RRsetChange, ZoneSet } from "@pdns-distribute/answer";
import type { Logger } from "@pdns-distribute/core";

/** Follows the versions served of each zone and compacts those carrying too many overlaid changes. */
export interface OverlayCompactor {
  /**
   * A version of `zone` was served and stored: made of `changes` applied as an overlay, or compiled whole (null).
   * `zoneText` gives its text, read only to compile it whole when the overlay has grown past the bound.
   */
  applied(zone: string, zoneText: () => string, changes: readonly RRsetChange[] | null): void;
  /** The zone is no longer served: a compaction under way is dropped. */
  removed(zone: string): void;
  /** Resolves when no compaction is under way (tests, shutdown). */
  idle(): Promise<void>;
}

/** Options of {@link createOverlayCompactor}. */
export interface OverlayCompactorOptions {
  /** Overlaid RRset changes a zone may carry before it is compiled whole again. */
  maxChanges: number;
  zoneSet: ZoneSet;
  /** Compiles a zone text whole (on the compile thread for large zones). */
  compile(zone: string, zoneText: string): Promise<CompiledZone>;
  logger: Logger;
  /** Told of each compaction: swapped in, or dropped (a whole version came meanwhile, or it failed). */
  onCompaction?: (result: "swapped" | "dropped") => void;
}

interface ZoneState {
  /** Counts versions compiled whole and removals: a compaction begun before one of them is dropped. */
  generation: number;
  running: Promise<void> | null;
  /** Changes applied since the running compaction's text, in order: applied to its result before the swap. */
  since: (readonly RRsetChange[])[];
}

/**
 * Creates the compactor. When a version carries `maxChanges` overlaid changes or more, its text is compiled whole
 * (one zone at a time per zone); changes served meanwhile are applied on top of the result, which is swapped in only
 * if it then has the serial served (else dropped: the next change tries again). What is served is the same before
 * and after the swap, so DNS worker processes are not told.
 */
export function createOverlayCompactor(opts: OverlayCompactorOptions): OverlayCompactor {
  const zones = new Map<string, ZoneState>();
  const stateOf = (zone: string): ZoneState => {
    let s = zones.get(zone);
    if (s === undefined) zones.set(zone, (s = { generation: 0, running: null, since: [] }));
    return s;
  };
  const finish = (zone: string, state: ZoneState, generation: number, compiled: CompiledZone): void => {
    let next: CompiledZone | null = compiled;
    for (const changes of state.since) next = next === null ? null : applyRRsetChanges(next, changes).zone;
    const served = opts.zoneSet.get(zone);
    if (next === null || state.generation !== generation || served === undefined || served.serial !== next.serial) {
      opts.logger.info({ zone }, "zone compaction dropped: the zone changed meanwhile");
      opts.onCompaction?.("dropped");
      return;
    }
    opts.zoneSet.put(next);
    opts.logger.info({ zone, serial: next.serial, changes: overlayChanges(served) }, "zone compacted");
    opts.onCompaction?.("swapped");
  };
  const start = (zone: string, state: ZoneState, zoneText: () => string): void => {
    const generation = state.generation;
    state.since = [];
    state.running = opts
      .compile(zone, zoneText())
      .then(
        (compiled) => finish(zone, state, generation, compiled),
        (err: unknown) => {
          opts.logger.warn({ zone, err: (err as Error).message }, "zone compaction failed; the overlay stays");
          opts.onCompaction?.("dropped");
        },
      )
      .finally(() => {
        state.running = null;
      });
  };
  return {
    applied(zone, zoneText, changes) {
      const state = stateOf(zone);
      if (changes === null) {
        state.generation++;
        state.since = [];
        return;
      }
      if (state.running !== null) {
        state.since.push(changes);
        return;
      }
      const served = opts.zoneSet.get(zone);
      if (served !== undefined && overlayChanges(served) >= opts.maxChanges) start(zone, state, zoneText);
    },
    removed(zone) {
      const state = zones.get(zone);
      if (state === undefined) return;
      state.generation++;
      state.since = [];
      if (state.running === null) zones.delete(zone);
    },
    async idle() {
      await Promise.all([...zones.values()].map((s) => s.running));
    },
  };
}
