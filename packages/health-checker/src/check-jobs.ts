// The checker's jobs as the loop runs them: one check each, with its duration, result metric, log line and status.
import type { SecondaryRegistry, SecondaryStateClient } from "@pdns-distribute/core";
import { runEventCheck, runPeriodicCheck } from "./checks";
import type { CheckDeps, PeriodicCheckResult } from "./checks";
import { runContentAudit } from "./content-audit-run";
import type { ContentAuditDeps } from "./content-audit-run";
import { runDnssecUpkeep } from "./dnssec";
import type { DnssecDeps } from "./dnssec";
import type { HealthMetrics } from "./metrics";
import type { PrimaryWatch } from "./primary-watch";
import type { PrimaryInfo } from "./status";

/** Check dependencies with metrics (optional in {@link CheckDeps}, always there in the daemon). */
export type MeteredCheckDeps = CheckDeps & { metrics: HealthMetrics };
/** DNSSEC dependencies with metrics. */
export type MeteredDnssecDeps = DnssecDeps & { metrics: HealthMetrics };

/** Moves the zone-state byte counts of `states` into the metric. */
export function countStateBytes(states: SecondaryStateClient, metrics: HealthMetrics): void {
  metrics.stateBytes.inc({ direction: "sent" }, states.bytes.sent);
  metrics.stateBytes.inc({ direction: "received" }, states.bytes.received);
  states.bytes.sent = 0;
  states.bytes.received = 0;
}

/** Records a periodic check's outcome: what the status says of the primary, and each secondary's zone counts. */
export function recordPeriodicResult(r: PeriodicCheckResult, primary: PrimaryInfo, registry: SecondaryRegistry, metrics: HealthMetrics, now = Date.now()): void {
  Object.assign(primary, { zones: r.primary.serials.size, signedZones: r.primary.signed.size, lastCheck: now, lastCheckMs: r.ms, lastError: null });
  for (const s of r.secondaries) {
    const c = registry.get(s.id)?.counts;
    if (!c) continue;
    for (const [state, v] of Object.entries({ in_sync: c.inSync, outdated: c.outdated, missing: c.missing, extra: c.extra })) {
      metrics.secondaryZones.set({ secondary: s.id, state }, v);
    }
  }
}

/** Runs `fn` as one check of kind `check`: times it, counts ok/error, and runs `after` in any case. */
async function measured<T>(metrics: HealthMetrics, check: string, fn: () => Promise<T>, after?: () => void): Promise<T> {
  const end = metrics.checkDuration.startTimer({ check });
  try {
    const r = await fn();
    metrics.checks.inc({ check, result: "ok" });
    return r;
  } catch (err) {
    metrics.checks.inc({ check, result: "error" });
    throw err;
  } finally {
    end();
    after?.();
  }
}

/** The periodic check as a job: never rejects; a failure is logged and shown in the status (`primary.lastError`). */
export function periodicCheckJob(deps: MeteredCheckDeps, primary: PrimaryInfo): () => Promise<void> {
  const { logger, metrics } = deps;
  return async () => {
    try {
      const r = await measured(metrics, "periodic", () => runPeriodicCheck(deps), () => countStateBytes(deps.states, metrics));
      recordPeriodicResult(r, primary, deps.registry, metrics);
      const secondaries = r.secondaries.map((s) => ({ id: s.id, digestMatch: s.digestMatch, resyncs: s.resyncs, error: s.error }));
      logger.info({ ms: r.ms, zones: r.primary.serials.size, secondaries }, "periodic check done");
    } catch (err) {
      primary.lastError = (err as Error).message;
      logger.warn({ err: (err as Error).message }, "periodic check failed");
    }
  };
}

/** The content audit as a job: one run (one zone); never rejects (a failure is logged, the next run goes on). */
export function contentAuditJob(deps: ContentAuditDeps & { metrics: HealthMetrics }): () => Promise<void> {
  const { logger, metrics } = deps;
  return async () => {
    try {
      const r = await measured(metrics, "audit", () => runContentAudit(deps));
      // A cycle over no zones (an empty primary) starts at every run: not logged.
      if (r.cycleStarted) logger.info({ zones: r.cycleStarted }, "content audit cycle started");
      if (r.zone !== undefined) logger.debug({ zone: r.zone, outcomes: r.outcomes }, "content audit done");
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "content audit failed");
    }
  };
}

/** The DNSSEC upkeep as a job (a no-op when both the resync and the NSEC3 switch are off); never rejects. */
export function dnssecUpkeepJob(deps: MeteredDnssecDeps): () => Promise<void> {
  const { logger, metrics } = deps;
  return async () => {
    if (!deps.resyncEnabled && !deps.nsec3Convert) return;
    try {
      const r = await measured(metrics, "dnssec", () => runDnssecUpkeep(deps));
      logger.info({ signed: r.signed, resynced: r.resynced.length, nsec3Converted: r.nsec3Converted.length }, "DNSSEC upkeep done");
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "DNSSEC upkeep failed");
    }
  };
}

/** The check of one zone after its event (the event watch logs a failure). */
export function eventCheckJob(deps: MeteredCheckDeps): (zone: string) => Promise<void> {
  const { logger, metrics } = deps;
  return async (zone) => {
    const r = await measured(metrics, "event", () => runEventCheck(deps, zone), () => countStateBytes(deps.states, metrics));
    logger.debug({ zone, primarySerial: r.primarySerial, secondaries: r.secondaries }, "event check done");
  };
}


/** The primary watch as a job: one poll; never rejects (a failure is logged, the next poll tries again). */
export function primaryWatchJob(watch: PrimaryWatch, metrics: HealthMetrics, logger: MeteredCheckDeps["logger"]): () => Promise<void> {
  return async () => {
    try {
      const r = await measured(metrics, "primary-watch", () => watch.poll());
      const log = { ms: r.ms, zones: r.zones, signed: r.signed, baseline: r.baseline, changes: r.changes.length, published: r.published, deferred: r.deferred };
      logger.debug(log, "primary watch done");
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "primary watch failed");
    }
  };
}
