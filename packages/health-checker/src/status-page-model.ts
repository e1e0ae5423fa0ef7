// The status page's data (pure): secondaries, the zones × secondaries sync matrix and recent changes.
import { compareSerial } from "@pdns-distribute/core";
import type { ChangeStatus, ChangeTracker, SecondaryState } from "@pdns-distribute/core";

/** A cell of the matrix: what one secondary serves for one zone compared with the primary. */
export type CellState = "insync" | "outdated" | "missing" | "unknown";

/** The primary's and the secondaries' zone serials as last read (PowerDNS API, zone-state requests). */
export interface ZoneSnapshot {
  /** Local time (ms) it was taken. */
  at: number;
  /** zone → serial on the primary. */
  primary: Map<string, number>;
  /** secondary id → zone → serial served, for the secondaries that answered. */
  secondaries: Map<string, Map<string, number>>;
}

/** One row of the matrix. */
export interface ZoneRow {
  zone: string;
  /** Serial the primary has (or the newest change's), null when unknown. */
  serial: number | null;
  /** secondary id → its serial and state. */
  cells: Record<string, { serial: number | null; state: CellState }>;
}

/** Everything the page shows (`GET /status/page.json`). */
export interface StatusPageData {
  type: "status.page";
  version: 1;
  time: string;
  checker: string;
  leader: boolean;
  /** When the zone snapshot was taken (ISO), null before the first one. */
  snapshotTime: string | null;
  snapshotError: string | null;
  secondaries: Array<{
    id: string;
    name: string;
    active: boolean;
    lastHeartbeat: string | null;
    softwareVersion: string;
    dnsAddress: string;
    zoneCount: number;
  }>;
  zones: { total: number; outdatedZones: number; rows: ZoneRow[]; truncated: boolean };
  changes: ChangeStatus[];
}

/** Inputs of {@link buildStatusPage}. */
export interface StatusPageInput {
  checker: string;
  leader: boolean;
  secondaries: SecondaryState[];
  snapshot: ZoneSnapshot | undefined;
  snapshotError: string | null;
  tracker: ChangeTracker;
  /** Most matrix rows (outdated zones first, then recently changed, then by name). */
  maxRows: number;
  maxChanges: number;
  now: number;
}

/** Builds the page data; applied messages and changes newer than the snapshot override it. */
export function buildStatusPage(input: StatusPageInput): StatusPageData {
  const { snapshot, tracker, now } = input;
  const active = input.secondaries.filter((s) => s.active).map((s) => s.id);
  const changes = tracker.recent(input.maxChanges, active, now);
  const at = snapshot?.at ?? 0;

  // Zones: the snapshot's, plus those changed since; minus those deleted since.
  const zones = new Map<string, number | null>(snapshot?.primary ?? []);
  const recentlyChanged = new Set<string>();
  for (const c of [...changes].reverse()) {
    recentlyChanged.add(c.zone);
    const t = Date.parse(c.time);
    if (t <= at) continue;
    if (c.type === "zone.delete") zones.delete(c.zone);
    else zones.set(c.zone, c.serial ?? zones.get(c.zone) ?? null);
  }

  const rows: ZoneRow[] = [];
  let outdatedZones = 0;
  for (const [zone, serial] of zones) {
    const cells: ZoneRow["cells"] = {};
    let bad = false;
    for (const s of input.secondaries) {
      const fresh = tracker.served(s.id, zone);
      const known = snapshot?.secondaries.get(s.id);
      const served = fresh && fresh.at > at ? fresh.serial : known ? (known.get(zone) ?? null) : fresh ? fresh.serial : undefined;
      let state: CellState;
      if (served === undefined) state = "unknown";
      else if (served === null) state = "missing";
      else if (serial === null || compareSerial(served, serial) >= 0) state = "insync";
      else state = "outdated";
      if (s.active && (state === "outdated" || state === "missing")) bad = true;
      cells[s.id] = { serial: served ?? null, state };
    }
    if (bad) outdatedZones++;
    rows.push({ zone, serial, cells });
  }
  const activeSet = new Set(active);
  const rank = (r: ZoneRow) =>
    Object.entries(r.cells).some(([id, c]) => activeSet.has(id) && (c.state === "outdated" || c.state === "missing")) ? 0 : recentlyChanged.has(r.zone) ? 1 : 2;
  rows.sort((a, b) => rank(a) - rank(b) || (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));

  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    type: "status.page",
    version: 1,
    time: iso(now),
    checker: input.checker,
    leader: input.leader,
    snapshotTime: snapshot ? iso(snapshot.at) : null,
    snapshotError: input.snapshotError,
    secondaries: input.secondaries.map((s) => ({
      id: s.id,
      name: s.name,
      active: s.active,
      lastHeartbeat: s.seen ? iso(s.lastSeen) : null,
      softwareVersion: s.softwareVersion,
      dnsAddress: s.dnsAddress,
      zoneCount: s.zoneCount,
    })),
    zones: { total: zones.size, outdatedZones, rows: rows.slice(0, input.maxRows), truncated: rows.length > input.maxRows },
    changes,
  };
}
