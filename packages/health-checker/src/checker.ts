// Wires the health-checker: heartbeats, lock, periodic / event / DNSSEC checks, status (NATS + HTTP), metrics.
import { connectNats, createMetricsRegistry, ensureZoneEventStream, SecondaryRegistry, startHeartbeatMonitor, startMetricsServer } from "@pdns-distribute/core";
import type { HealthStatus, Logger, NatsConnection } from "@pdns-distribute/core";
import { runEventCheck, runPeriodicCheck } from "./checks";
import type { CheckDeps } from "./checks";
import { instanceIdOf } from "./config";
import type { HealthCheckerConfig } from "./config";
import { runDnssecUpkeep } from "./dnssec";
import type { DnssecDeps } from "./dnssec";
import { startEventWatch } from "./event-watch";
import { startLeaderLock } from "./lock";
import { createHealthMetrics } from "./metrics";
import { powerDnsClient } from "./powerdns";
import { jetStreamResyncPublisher } from "./resync";
import { secondaryStateClient } from "./secondary-client";
import { buildHealthStatus, startStatusResponder } from "./status";
import { startStatusPage } from "./status-page";
import type { PrimaryInfo } from "./status";

/** A running health-checker. */
export interface HealthChecker {
  registry: SecondaryRegistry;
  status(): HealthStatus;
  /** Runs a periodic check now (if this instance holds the lock). */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

/** A job that never overlaps itself: a call while it runs joins the running one; `idle()` waits for it. */
function serialJob(fn: () => Promise<void>): (() => Promise<void>) & { idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => (running ??= fn().finally(() => (running = undefined)));
  return Object.assign(run, { idle: async () => void (await running) });
}

/** Starts the health-checker (connects to NATS, waits for it). */
export async function startHealthChecker(cfg: HealthCheckerConfig, logger: Logger, name: string): Promise<HealthChecker> {
  const instanceId = instanceIdOf(cfg);
  const nc: NatsConnection = await connectNats(cfg.nats, name, logger);
  await ensureZoneEventStream(nc, cfg.nats);
  const promRegistry = createMetricsRegistry("health-checker");
  const metrics = createHealthMetrics(promRegistry);
  const registry = new SecondaryRegistry(cfg.health.inactive_after_s * 1000);
  registry.addStatic(cfg.health.static_secondaries);
  for (const id of cfg.health.static_secondaries) metrics.secondaryActive.set({ secondary: id }, 0);
  const monitor = startHeartbeatMonitor(nc, {
    inactiveAfterMs: cfg.health.inactive_after_s * 1000,
    checkIntervalMs: cfg.health.check_interval_s * 1000,
    logger,
    registry,
    onChange: (c) => metrics.secondaryActive.set({ secondary: c.id }, c.active ? 1 : 0),
  });
  const powerdns = powerDnsClient({
    apiUrl: cfg.powerdns.api_url,
    apiKey: cfg.powerdns.api_key,
    serverId: cfg.powerdns.server_id,
    timeoutMs: cfg.powerdns.timeout_ms,
    dnsAddress: cfg.powerdns.dns_address,
    dnsPort: cfg.powerdns.dns_port,
  });
  const states = secondaryStateClient(nc, cfg.checks.request_timeout_ms, cfg.checks.page_size);
  const pageStates = secondaryStateClient(nc, cfg.checks.request_timeout_ms, cfg.checks.page_size, 100); // status page: own byte counts
  const publish = jetStreamResyncPublisher(nc, cfg.checks.request_timeout_ms);
  const deps: CheckDeps = {
    powerdns,
    states,
    registry,
    publish,
    logger,
    metrics,
    maxResyncsPerSecondary: cfg.checks.max_resyncs_per_secondary,
    concurrency: cfg.checks.concurrency,
  };
  const primary: PrimaryInfo = { zones: null, signedZones: null, lastCheck: null, lastCheckMs: null, lastError: null };
  let leader = false;
  const countBytes = () => {
    metrics.stateBytes.inc({ direction: "sent" }, states.bytes.sent);
    metrics.stateBytes.inc({ direction: "received" }, states.bytes.received);
    states.bytes.sent = 0;
    states.bytes.received = 0;
  };

  const periodic = serialJob(async () => {
    if (!leader) return;
    const end = metrics.checkDuration.startTimer({ check: "periodic" });
    try {
      const r = await runPeriodicCheck(deps);
      Object.assign(primary, { zones: r.primary.serials.size, signedZones: r.primary.signed.size, lastCheck: Date.now(), lastCheckMs: r.ms, lastError: null });
      for (const s of r.secondaries) {
        const c = registry.get(s.id)?.counts;
        if (c) for (const [state, v] of Object.entries({ in_sync: c.inSync, outdated: c.outdated, missing: c.missing, extra: c.extra })) metrics.secondaryZones.set({ secondary: s.id, state }, v);
      }
      metrics.checks.inc({ check: "periodic", result: "ok" });
      logger.info(
        { ms: r.ms, zones: r.primary.serials.size, secondaries: r.secondaries.map((s) => ({ id: s.id, digestMatch: s.digestMatch, resyncs: s.resyncs, error: s.error })) },
        "periodic check done",
      );
    } catch (err) {
      primary.lastError = (err as Error).message;
      metrics.checks.inc({ check: "periodic", result: "error" });
      logger.warn({ err: (err as Error).message }, "periodic check failed");
    } finally {
      end();
      countBytes();
    }
  });

  const dnssecDeps: DnssecDeps = {
    powerdns,
    publish,
    logger,
    metrics,
    concurrency: cfg.checks.concurrency,
    marginS: cfg.dnssec.min_validity_h * 3600,
    maxPerRun: cfg.dnssec.max_resyncs_per_run,
    resyncEnabled: cfg.dnssec.resync_enabled,
    nsec3Convert: cfg.dnssec.nsec3_convert,
    nsec3Param: cfg.dnssec.nsec3_param,
    synced: new Map(),
  };
  const dnssec = serialJob(async () => {
    if (!leader || (!cfg.dnssec.resync_enabled && !cfg.dnssec.nsec3_convert)) return;
    const end = metrics.checkDuration.startTimer({ check: "dnssec" });
    try {
      const r = await runDnssecUpkeep(dnssecDeps);
      metrics.checks.inc({ check: "dnssec", result: "ok" });
      logger.info({ signed: r.signed, resynced: r.resynced.length, nsec3Converted: r.nsec3Converted.length }, "DNSSEC upkeep done");
    } catch (err) {
      metrics.checks.inc({ check: "dnssec", result: "error" });
      logger.warn({ err: (err as Error).message }, "DNSSEC upkeep failed");
    } finally {
      end();
    }
  });

  const timers: NodeJS.Timeout[] = [];
  let firstRun: NodeJS.Timeout | undefined;
  const lock = startLeaderLock(nc, {
    bucket: cfg.lock.bucket,
    ttlMs: cfg.lock.ttl_s * 1000,
    instanceId,
    logger,
    onChange: (isLeader) => {
      leader = isLeader;
      metrics.leader.set(isLeader ? 1 : 0);
      if (!isLeader) {
        dnssecDeps.synced.clear(); // another checker may have resynced meanwhile: unknown again
        return;
      }
      // Let heartbeats arrive before the first check after taking over.
      clearTimeout(firstRun);
      firstRun = setTimeout(() => void periodic().then(dnssec), Math.min(cfg.health.inactive_after_s * 1000, 5000) / 2);
    },
  });
  if (cfg.checks.periodic_interval_s > 0) timers.push(setInterval(() => void periodic(), cfg.checks.periodic_interval_s * 1000));
  timers.push(setInterval(() => void dnssec(), cfg.dnssec.check_interval_s * 1000));

  const watch =
    cfg.checks.event_check_delay_s >= 0
      ? startEventWatch(nc, {
          delayMs: cfg.checks.event_check_delay_s * 1000,
          logger,
          active: () => leader,
          onPending: (n) => metrics.eventChecksPending.set(n),
          check: async (zone) => {
            const end = metrics.checkDuration.startTimer({ check: "event" });
            try {
              const r = await runEventCheck(deps, zone);
              metrics.checks.inc({ check: "event", result: "ok" });
              logger.debug({ zone, primarySerial: r.primarySerial, secondaries: r.secondaries }, "event check done");
            } catch (err) {
              metrics.checks.inc({ check: "event", result: "error" });
              throw err;
            } finally {
              end();
              countBytes();
            }
          },
        })
      : undefined;

  const status = () => buildHealthStatus(instanceId, leader, registry, primary);
  const stopStatus = startStatusResponder(nc, status, logger);
  const page = startStatusPage(nc, { checker: instanceId, leader: () => leader, registry, powerdns, states: pageStates, logger });
  const http = await startMetricsServer(cfg.metrics, promRegistry, logger, (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/status") return page.route(req, res);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(status()) + "\n");
    return true;
  });

  return {
    registry,
    status,
    checkNow: () => periodic(),
    async stop() {
      for (const t of timers) clearInterval(t);
      clearTimeout(firstRun);
      stopStatus();
      page.stop();
      await watch?.stop();
      await Promise.all([periodic.idle(), dnssec.idle()]);
      await lock.stop();
      await monitor.stop();
      await http?.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
