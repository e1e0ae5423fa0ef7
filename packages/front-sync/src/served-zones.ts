// What each secondary behind the front serves, from zone-state listings and "applied" messages; the routed set is their union.
import { zoneSetDigest } from "@pdns-distribute/core";

/** The zones each watched secondary serves (zone → serial) and their union, the zones the front routes. */
export class ServedZones {
  private readonly bySecondary = new Map<string, Map<string, number>>();
  /** Per secondary: "applied" messages received while a listing of it is under way, replayed on top of it. */
  private readonly duringListing = new Map<string, Array<[string, number | null]>>();

  constructor(readonly secondaries: readonly string[]) {
    for (const id of secondaries) this.bySecondary.set(id, new Map());
  }

  /** True for a secondary whose zones are routed. */
  watches(id: string): boolean {
    return this.bySecondary.has(id);
  }

  /** Marks the start of a full listing of `id`: messages from now on are kept to be replayed over it. */
  listingStarted(id: string): void {
    this.duringListing.set(id, []);
  }

  /** A listing failed: forget the kept messages (they are already applied). */
  listingFailed(id: string): void {
    this.duringListing.delete(id);
  }

  /** Replaces `id`'s zones with a full listing, then replays what it applied meanwhile. Returns true when the union changed. */
  replace(id: string, serials: ReadonlyMap<string, number>): boolean {
    const before = this.unionKey();
    const map = new Map(serials);
    for (const [zone, serial] of this.duringListing.get(id) ?? []) set(map, zone, serial);
    this.duringListing.delete(id);
    this.bySecondary.set(id, map);
    return this.unionKey() !== before;
  }

  /** Applies one "applied" message (`serial` null: no longer served). Returns true when the union changed. */
  applied(id: string, zone: string, serial: number | null): boolean {
    const map = this.bySecondary.get(id);
    if (!map) return false;
    this.duringListing.get(id)?.push([zone, serial]);
    const wasRouted = this.isRouted(zone);
    set(map, zone, serial);
    return this.isRouted(zone) !== wasRouted;
  }

  /** The serial `id` serves for `zone` as far as we know (undefined: not served). */
  serialOf(id: string, zone: string): number | undefined {
    return this.bySecondary.get(id)?.get(zone);
  }

  /** True while at least one watched secondary serves `zone`. */
  isRouted(zone: string): boolean {
    for (const map of this.bySecondary.values()) if (map.has(zone)) return true;
    return false;
  }

  /** The routed zones, sorted (absolute, lower-case as the secondaries report them). */
  routed(): string[] {
    const all = new Set<string>();
    for (const map of this.bySecondary.values()) for (const zone of map.keys()) all.add(zone);
    return [...all].sort();
  }

  /** The digest the secondary `id` reports for what we hold of it (zoneSetDigest of zone → serial). */
  digestOf(id: string): string {
    return zoneSetDigest(this.bySecondary.get(id) ?? new Map<string, number>());
  }

  private unionKey(): string {
    return this.routed().join("\n");
  }
}

function set(map: Map<string, number>, zone: string, serial: number | null): void {
  if (serial === null) map.delete(zone);
  else map.set(zone, serial);
}

/** Digest of a routed zone list (what dnsdist is told it holds, to notice a dnsdist restart). */
export function routedDigest(zones: readonly string[]): string {
  return zoneSetDigest(zones.map((z) => [z, 0] as const));
}
