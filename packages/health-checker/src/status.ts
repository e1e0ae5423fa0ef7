// Status report: built from the registry (pure), printed as a table, served on pdns.health.status and GET /status.
import { PROTOCOL_ERROR_CODES, SUBJECTS, decodeMessage, encodeMessage, healthStatusReplySchema, healthStatusRequestSchema, errorReply } from "@pdns-distribute/core";
import type { HealthStatus, Logger, NatsConnection, SecondaryRegistry } from "@pdns-distribute/core";
import { StatusUnavailableError } from "./errors";

/** What the checker knows of the primary. */
export interface PrimaryInfo {
  zones: number | null;
  signedZones: number | null;
  lastCheck: number | null;
  lastCheckMs: number | null;
  lastError: string | null;
}

const iso = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

/** Builds the status report. */
export function buildHealthStatus(checker: string, leader: boolean, registry: SecondaryRegistry, primary: PrimaryInfo, now = Date.now()): HealthStatus {
  return {
    type: "health.status",
    version: 1,
    checker,
    leader,
    time: new Date(now).toISOString(),
    primary: { ...primary, lastCheck: iso(primary.lastCheck) },
    secondaries: registry.list().map((s) => ({
      id: s.id,
      name: s.name,
      dnsAddress: s.dnsAddress,
      softwareVersion: s.softwareVersion,
      active: s.active,
      static: s.static,
      lastHeartbeat: s.seen ? iso(s.lastSeen) : null,
      zoneCount: s.zoneCount,
      lastChecked: iso(s.lastChecked),
      inSync: s.counts?.inSync ?? null,
      outdated: s.counts?.outdated ?? null,
      missing: s.counts?.missing ?? null,
      extra: s.counts?.extra ?? null,
      resyncs: s.resyncs,
    })),
  };
}

/** Renders the report as a fixed-width table for a terminal. */
export function formatStatusTable(status: HealthStatus, now = Date.now()): string {
  const ago = (t: string | null) => (t === null ? "never" : `${Math.max(0, Math.round((now - Date.parse(t)) / 1000))}s ago`);
  const n = (v: number | null) => (v === null ? "-" : String(v));
  const rows = [["SECONDARY", "ACTIVE", "LAST HEARTBEAT", "ZONES", "IN SYNC", "OUTDATED", "MISSING", "EXTRA", "RESYNCS", "CHECKED"]];
  for (const s of status.secondaries) {
    rows.push([s.id, s.active ? "yes" : "no", ago(s.lastHeartbeat), String(s.zoneCount), n(s.inSync), n(s.outdated), n(s.missing), n(s.extra), String(s.resyncs), ago(s.lastChecked)]);
  }
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const lines = [
    `checker ${status.checker} (${status.leader ? "active" : "stand-by"}); primary: ${n(status.primary.zones)} zones, ${n(status.primary.signedZones)} signed, last check ${ago(status.primary.lastCheck)}` +
      (status.primary.lastError ? `, last error: ${status.primary.lastError}` : ""),
    ...rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()),
  ];
  return lines.join("\n") + "\n";
}

/**
 * Answers `pdns.health.status`. The lock holder answers at once, a stand-by after `standbyDelayMs`, so a
 * request (which takes the first reply) gets the acting checker's view whenever there is one.
 */
export function startStatusResponder(nc: NatsConnection, report: () => HealthStatus, logger: Logger, standbyDelayMs = 500): () => void {
  const sub = nc.subscribe(SUBJECTS.healthStatus, {
    callback: (err, msg) => {
      if (err) return;
      try {
        decodeMessage(healthStatusRequestSchema, msg.data, "status request");
      } catch (e) {
        msg.respond(encodeMessage(errorReply(PROTOCOL_ERROR_CODES.messageInvalid, (e as Error).message)));
        return;
      }
      const status = report();
      const send = () => {
        try {
          msg.respond(encodeMessage(report()));
        } catch (e) {
          logger.warn({ err: (e as Error).message }, "status reply failed");
        }
      };
      if (status.leader) send();
      else setTimeout(send, standbyDelayMs).unref();
    },
  });
  return () => sub.unsubscribe();
}

/** Asks the running checker for its status. */
export async function requestHealthStatus(nc: NatsConnection, timeoutMs: number): Promise<HealthStatus> {
  let reply;
  try {
    reply = await nc.request(SUBJECTS.healthStatus, encodeMessage({ type: "health.status.request", version: 1 }), { timeout: timeoutMs });
  } catch (err) {
    throw new StatusUnavailableError(`no health-checker answered on ${SUBJECTS.healthStatus}: ${(err as Error).message}`, { cause: err });
  }
  const msg = decodeMessage(healthStatusReplySchema, reply.data, "status reply");
  if (msg.type === "error") throw new StatusUnavailableError(`${msg.code}: ${msg.message}`);
  return msg;
}
