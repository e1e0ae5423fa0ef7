// DNSSEC upkeep run: resync signed zones before the RRSIGs secondaries hold expire; optional NSEC → NSEC3 switch.
import type { Logger } from "@pdns-distribute/core";
import { planDnssecResyncs } from "./dnssec-schedule";
import type { DnssecPlan, SignatureWindow, SyncedSignatures } from "./dnssec-schedule";
import type { HealthMetrics } from "./metrics";
import type { PowerDnsClient } from "./powerdns";
import type { ResyncPublisher } from "./resync";
import { mapLimit } from "./util";

/** What a DNSSEC run needs. */
export interface DnssecDeps {
  powerdns: PowerDnsClient;
  publish: ResyncPublisher;
  logger: Logger;
  metrics?: HealthMetrics;
  concurrency: number;
  marginS: number;
  maxPerRun: number;
  resyncEnabled: boolean;
  nsec3Convert: boolean;
  nsec3Param: string;
  /** Expiration of the RRSIGs handed out at the last resync of each signed zone (kept between runs). */
  synced: Map<string, SyncedSignatures>;
}

/** Result of one run. */
export interface DnssecRunResult {
  signed: number;
  plan: DnssecPlan | undefined;
  resynced: string[];
  nsec3Converted: string[];
}

/** Switches signed NSEC zones to NSEC3 through the PowerDNS API, then tells every secondary. */
async function convertToNsec3(deps: DnssecDeps, signed: string[]): Promise<string[]> {
  const converted: string[] = [];
  for (const zone of signed) {
    if (converted.length >= deps.maxPerRun) break;
    try {
      const z = await deps.powerdns.zone(zone);
      if (!z || !z.dnssec || (z.nsec3param ?? "") !== "") continue;
      await deps.powerdns.setNsec3(zone, deps.nsec3Param);
      await deps.publish("zone.modified", zone);
      deps.synced.delete(zone);
      converted.push(zone);
      deps.metrics?.nsec3Conversions.inc({ result: "ok" });
      deps.logger.info({ zone, nsec3param: deps.nsec3Param }, "zone switched from NSEC to NSEC3");
    } catch (err) {
      deps.metrics?.nsec3Conversions.inc({ result: "error" });
      deps.logger.warn({ zone, err: (err as Error).message }, "NSEC3 switch failed");
    }
  }
  return converted;
}

/** One DNSSEC upkeep run over the primary's signed zones. */
export async function runDnssecUpkeep(deps: DnssecDeps, nowS = Math.floor(Date.now() / 1000)): Promise<DnssecRunResult> {
  const state = await deps.powerdns.state();
  const signed = [...state.signed].sort();
  for (const zone of deps.synced.keys()) if (!state.signed.has(zone)) deps.synced.delete(zone);
  const nsec3Converted = deps.nsec3Convert ? await convertToNsec3(deps, signed) : [];
  if (!deps.resyncEnabled) return { signed: signed.length, plan: undefined, resynced: [], nsec3Converted };
  const windows = (
    await mapLimit(signed, deps.concurrency, async (zone) => {
      try {
        return await deps.powerdns.soaSignature(zone);
      } catch (err) {
        deps.logger.warn({ zone, err: (err as Error).message }, "could not read the SOA RRSIG from PowerDNS");
        return undefined;
      }
    })
  ).filter((w): w is SignatureWindow => w !== undefined);
  const plan = planDnssecResyncs(windows, deps.synced, nowS, deps.marginS, deps.maxPerRun);
  const byZone = new Map(windows.map((w) => [w.zone, w]));
  const resynced: string[] = [];
  for (const zone of plan.due) {
    const window = byZone.get(zone);
    if (!window) continue; // planned from `windows`: always there
    await deps.publish("zone.modified", zone);
    deps.synced.set(zone, { expiration: window.expiration });
    resynced.push(zone);
  }
  deps.metrics?.dnssecResyncs.inc(resynced.length);
  deps.metrics?.dnssecPrimaryExpiring.set(plan.primaryExpiring.length);
  deps.metrics?.dnssecDeferred.set(plan.deferred);
  if (plan.primaryExpiring.length > 0) {
    deps.logger.warn({ zones: plan.primaryExpiring.slice(0, 10), count: plan.primaryExpiring.length }, "primary's own RRSIGs expire soon");
  }
  if (resynced.length > 0) deps.logger.info({ resynced: resynced.length, deferred: plan.deferred }, "signed zones resynced for fresh RRSIGs");
  return { signed: signed.length, plan, resynced, nsec3Converted };
}
