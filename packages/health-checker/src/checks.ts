// The periodic check (digest first, full maps only on mismatch) and the per-event check, both publishing targeted resyncs.
import { zoneSetDigest } from "@pdns-distribute/core";
import type { Logger, SecondaryRegistry, SecondaryStateClient, ZoneEventType } from "@pdns-distribute/core";
import { diffCounts, diffZoneMaps, resyncFor, resyncsOf } from "./diff";
import type { Resync, ZoneDiff } from "./diff";
import type { HealthMetrics } from "./metrics";
import type { PowerDnsClient, PrimaryState } from "./powerdns";
import type { ResyncPublisher } from "./resync";
import { mapLimit } from "./util";

/** What the checks need. */
export interface CheckDeps {
  powerdns: PowerDnsClient;
  states: SecondaryStateClient;
  registry: SecondaryRegistry;
  publish: ResyncPublisher;
  logger: Logger;
  metrics?: HealthMetrics;
  maxResyncsPerSecondary: number;
  concurrency: number;
}

/** Result of one periodic check for one secondary. */
export interface SecondaryCheckResult {
  id: string;
  /** The heartbeat digest equalled the primary's: no full fetch. */
  digestMatch: boolean;
  diff: ZoneDiff | undefined;
  resyncs: number;
  error?: string;
}

/** Result of one periodic check. */
export interface PeriodicCheckResult {
  primary: PrimaryState;
  primaryDigest: string;
  secondaries: SecondaryCheckResult[];
  ms: number;
}

/** Publishes `resyncs` to secondary `id`; returns how many were published. */
async function publishResyncs(deps: CheckDeps, id: string, resyncs: Resync[], check: string): Promise<number> {
  let n = 0;
  for (const r of resyncs) {
    await deps.publish(r.type, r.zone, id);
    deps.metrics?.resyncs.inc({ secondary: id, type: r.type, check });
    n++;
  }
  if (n > 0) {
    deps.registry.addResyncs(id, n);
    deps.logger.info({ secondary: id, check, resyncs: n, zones: resyncs.slice(0, 10).map((r) => `${r.type} ${r.zone}`) }, "targeted resyncs published");
  }
  return n;
}

/**
 * Zones the secondary holds that the primary did not list may have been created on the primary after its list
 * was read: a delete is published only for those PowerDNS confirms are gone.
 */
async function confirmExtras(deps: CheckDeps, extra: string[]): Promise<string[]> {
  const gone = await mapLimit(extra, deps.concurrency, async (zone) => ((await deps.powerdns.zone(zone)) === undefined ? zone : undefined));
  return gone.filter((z): z is string => z !== undefined);
}

/** Compares one secondary in full and repairs it. */
async function checkOneInFull(deps: CheckDeps, id: string, primary: PrimaryState, now: number): Promise<SecondaryCheckResult> {
  const held = await deps.states.fullState(id);
  const diff = diffZoneMaps(primary.serials, held.serials);
  if (diff.extra.length > 0) diff.extra = await confirmExtras(deps, diff.extra);
  const resyncs = await publishResyncs(deps, id, resyncsOf(diff, deps.maxResyncsPerSecondary), "periodic");
  deps.registry.recordCheck(id, diffCounts(diff), now);
  return { id, digestMatch: false, diff, resyncs };
}

/**
 * One periodic check. Heartbeat digests are taken before the primary's list is read, and full maps are
 * fetched after it, so every difference found is one the primary's current state justifies (see
 * docs/health-checker.md, "Races").
 */
export async function runPeriodicCheck(deps: CheckDeps, now = Date.now()): Promise<PeriodicCheckResult> {
  const started = Date.now();
  const active = deps.registry.active().map((s) => ({ id: s.id, digest: s.digest }));
  const primary = await deps.powerdns.state();
  const primaryDigest = zoneSetDigest(primary.serials);
  deps.metrics?.primaryZones.set(primary.serials.size);
  deps.metrics?.primarySignedZones.set(primary.signed.size);
  const secondaries = await mapLimit(active, deps.concurrency, async (s): Promise<SecondaryCheckResult> => {
    try {
      if (s.digest === primaryDigest) {
        deps.metrics?.digestComparisons.inc({ result: "match" });
        deps.registry.recordCheck(s.id, { inSync: primary.serials.size, outdated: 0, missing: 0, extra: 0 }, now);
        return { id: s.id, digestMatch: true, diff: undefined, resyncs: 0 };
      }
      deps.metrics?.digestComparisons.inc({ result: s.digest === undefined ? "absent" : "mismatch" });
      return await checkOneInFull(deps, s.id, primary, now);
    } catch (err) {
      deps.logger.warn({ secondary: s.id, err: (err as Error).message }, "periodic check of a secondary failed");
      return { id: s.id, digestMatch: false, diff: undefined, resyncs: 0, error: (err as Error).message };
    }
  });
  return { primary, primaryDigest, secondaries, ms: Date.now() - started };
}

/** Result of an event check for one secondary. */
export interface EventCheckResult {
  id: string;
  secondarySerial: number | undefined;
  resync: ZoneEventType | undefined;
  /** The secondary is still applying events for the zone: not compared this time. */
  pending?: boolean;
  error?: string;
}

/**
 * Asks every active secondary for `zone` (then the primary) and publishes a targeted resync where they differ.
 * A secondary still applying events for the zone (a large zone takes a while) is left alone: a resync now would
 * only transfer the zone once more; if it ends up behind anyway, the periodic check resyncs it.
 */
export async function runEventCheck(deps: CheckDeps, zone: string): Promise<{ primarySerial: number | undefined; secondaries: EventCheckResult[] }> {
  const active = deps.registry.active().map((s) => s.id);
  const held = await mapLimit(active, deps.concurrency, async (id) => {
    try {
      return { id, ...(await deps.states.zoneStatus(id, zone)), error: undefined };
    } catch (err) {
      return { id, serial: undefined, pending: false, error: (err as Error).message };
    }
  });
  // Nobody to compare (all still applying, or silent): spare PowerDNS the request. After a burst of events,
  // e.g. a fresh secondary catching up on thousands of zones, that is most event checks.
  const comparable = held.some((h) => h.error === undefined && !h.pending);
  const primarySerial = comparable ? (await deps.powerdns.zone(zone))?.serial : undefined;
  const secondaries: EventCheckResult[] = [];
  for (const h of held) {
    if (h.error !== undefined) {
      deps.logger.warn({ secondary: h.id, zone, err: h.error }, "event check: secondary did not answer");
      secondaries.push({ id: h.id, secondarySerial: undefined, resync: undefined, error: h.error });
      continue;
    }
    if (h.pending) {
      deps.logger.debug({ secondary: h.id, zone, serial: h.serial }, "event check: secondary still applying the zone");
      secondaries.push({ id: h.id, secondarySerial: h.serial, resync: undefined, pending: true });
      continue;
    }
    const resync = resyncFor(primarySerial, h.serial);
    if (resync) await publishResyncs(deps, h.id, [{ type: resync, zone }], "event");
    secondaries.push({ id: h.id, secondarySerial: h.serial, resync });
  }
  return { primarySerial, secondaries };
}
