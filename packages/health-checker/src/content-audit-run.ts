// One run of the content audit: the next zone of the rotation, its digest on the primary, each secondary's held digest, full resyncs where they differ.
import { PROTOCOL_ERROR_CODES, SUBJECTS, decodeMessage, encodeMessage, zoneDigestReplySchema } from "@pdns-distribute/core";
import type { LogRateLimit, Logger, NatsConnection, SecondaryRegistry, SecondaryStateClient } from "@pdns-distribute/core";
import { AUDIT_RESULTS, compareContent, nextAuditAt } from "./content-audit";
import type { AuditResult, AuditRotation, PrimaryContent } from "./content-audit";
import { PrimaryStateError } from "./errors";
import type { HealthMetrics } from "./metrics";
import type { PowerDnsClient } from "./powerdns";
import type { ResyncPublisher } from "./resync";
import { mapLimit } from "./util";

/** A zone's version on the primary read whole now; undefined: the primary does not have the zone. */
export type PrimaryDigestSource = (zone: string) => Promise<PrimaryContent | undefined>;

/** Asks the zone-provider (`pdns.zone.digest`), which reads the zone from PowerDNS by AXFR. */
export function natsPrimaryDigest(nc: NatsConnection, timeoutMs: number): PrimaryDigestSource {
  return async (zone) => {
    let data: Uint8Array;
    try {
      data = (await nc.request(SUBJECTS.zoneDigest, encodeMessage({ type: "zone.digest.request", version: 1, zone }), { timeout: timeoutMs })).data;
    } catch (err) {
      throw new PrimaryStateError(`zone-digest request for ${zone} failed: ${(err as Error).message}`, { cause: err });
    }
    const reply = decodeMessage(zoneDigestReplySchema, data, `zone digest of ${zone}`);
    if (reply.type === "zone.digest") return { serial: reply.serial, sha256: reply.sha256, records: reply.records };
    if (reply.code === PROTOCOL_ERROR_CODES.zoneNotFound) return undefined;
    throw new PrimaryStateError(`zone digest of ${zone}: ${reply.code}: ${reply.message}`);
  };
}

/** What the audit needs. */
export interface ContentAuditDeps {
  powerdns: Pick<PowerDnsClient, "state">;
  primaryDigest: PrimaryDigestSource;
  states: Pick<SecondaryStateClient, "zoneStatus">;
  registry: SecondaryRegistry;
  publish: ResyncPublisher;
  rotation: AuditRotation;
  /** Pace of the reads of the primary: after a zone of R records, the next audit waits R / this seconds. */
  recordsPerSecond: number;
  /** Earliest time (ms) the next audit may begin; kept between runs. */
  pace: { notBefore: number };
  concurrency: number;
  logger: Logger;
  /** Keeps mismatch and "unknown" lines to one per interval each. */
  logLimit: LogRateLimit;
  metrics?: HealthMetrics;
}

/** One comparison: a zone on a secondary. */
export interface AuditOutcome {
  zone: string;
  id: string;
  result: AuditResult;
  /** A full resync was published to this secondary for this zone. */
  resynced: boolean;
}

/** What a secondary holds of `zone` compared with `primary`; "error" when it does not answer. */
async function compareOne(deps: ContentAuditDeps, id: string, zone: string, primary: PrimaryContent): Promise<AuditResult> {
  try {
    return compareContent(primary, await deps.states.zoneStatus(id, zone, true));
  } catch (err) {
    deps.logger.debug({ secondary: id, zone, err: (err as Error).message }, "content audit: secondary did not answer");
    return AUDIT_RESULTS.error;
  }
}

/** Logs a line for `key` unless one went out within the limit's interval (then only counted). */
function limitedLog(deps: ContentAuditDeps, key: string, level: "warn" | "info", fields: Record<string, unknown>, msg: string): void {
  const held = deps.logLimit.take(key);
  if (held !== undefined) deps.logger[level]({ ...fields, ...(held > 0 ? { heldBack: held } : {}) }, msg);
}

/**
 * Audits one zone on every active secondary. A mismatch is confirmed by a second read of the primary and of that
 * secondary before its full resync is published: a zone that changed between two reads is not a fault.
 */
export async function auditZone(deps: ContentAuditDeps, zone: string): Promise<{ outcomes: AuditOutcome[]; records: number }> {
  const ids = deps.registry.active().map((s) => s.id);
  if (ids.length === 0) return { outcomes: [], records: 0 };
  const outcome = (id: string, result: AuditResult): AuditOutcome => ({ zone, id, result, resynced: false });
  const primary = await deps.primaryDigest(zone).catch((err: Error) => err);
  if (primary instanceof Error) {
    limitedLog(deps, "primary-error", "warn", { zone, err: primary.message }, "content audit: no digest of the zone from the primary");
    return { outcomes: ids.map((id) => outcome(id, AUDIT_RESULTS.error)), records: 0 };
  }
  if (primary === undefined) return { outcomes: ids.map((id) => outcome(id, AUDIT_RESULTS.skipped)), records: 0 }; // gone: the serial checks' business
  const first = await mapLimit(ids, deps.concurrency, async (id) => outcome(id, await compareOne(deps, id, zone, primary)));
  const suspects = first.filter((o) => o.result === AUDIT_RESULTS.mismatch);
  if (suspects.length > 0) await confirmAndRepair(deps, zone, suspects);
  return { outcomes: first, records: (primary.records ?? 0) * (suspects.length > 0 ? 2 : 1) }; // a second read counts too
}

/** Reads the primary again and asks each suspect again; one that differs again gets its full resync. */
async function confirmAndRepair(deps: ContentAuditDeps, zone: string, suspects: AuditOutcome[]): Promise<void> {
  const again = await deps.primaryDigest(zone).catch((err: Error) => err);
  for (const o of suspects) {
    if (again instanceof Error || again === undefined) {
      o.result = again === undefined ? AUDIT_RESULTS.skipped : AUDIT_RESULTS.error;
      continue;
    }
    o.result = await compareOne(deps, o.id, zone, again);
    if (o.result !== AUDIT_RESULTS.mismatch) continue;
    await deps.publish("zone.modified", zone, o.id, true);
    o.resynced = true;
    deps.registry.addResyncs(o.id, 1);
    deps.metrics?.resyncs.inc({ secondary: o.id, type: "zone.modified", check: "audit" });
    const fields = { secondary: o.id, zone, serial: again.serial, primarySha256: again.sha256 };
    limitedLog(deps, "mismatch", "warn", fields, "content audit: secondary holds other content than the primary at the same serial; full resync published");
  }
}

/** Result of one run. */
export interface ContentAuditRun {
  /** A new cycle (a fresh zone list from PowerDNS) started with this run; its size. */
  cycleStarted: number | undefined;
  /** The zone audited, if any (none: the pace says wait, or no zones). */
  zone: string | undefined;
  outcomes: AuditOutcome[];
}

/**
 * One run: nothing while the pace says wait (a large zone was read last); else starts a new cycle when the last one
 * is over, audits the next zone and sets when the next audit may begin.
 */
export async function runContentAudit(deps: ContentAuditDeps, now = Date.now()): Promise<ContentAuditRun> {
  if (now < deps.pace.notBefore) return { cycleStarted: undefined, zone: undefined, outcomes: [] };
  let cycleStarted: number | undefined;
  if (deps.rotation.needsZones()) {
    deps.rotation.startCycle((await deps.powerdns.state()).serials.keys());
    cycleStarted = deps.rotation.size();
  }
  const zone = deps.rotation.take(1)[0];
  if (zone === undefined) return { cycleStarted, zone, outcomes: [] };
  const { outcomes, records } = await auditZone(deps, zone);
  deps.pace.notBefore = nextAuditAt(now, records, deps.recordsPerSecond);
  for (const o of outcomes) {
    deps.metrics?.contentAudits.inc({ result: o.result });
    if (o.result === AUDIT_RESULTS.unknown) {
      limitedLog(deps, "unknown", "info", { secondary: o.id, zone: o.zone }, "content audit: secondary does not report what it holds (older version); not audited");
    }
  }
  return { cycleStarted, zone, outcomes };
}
