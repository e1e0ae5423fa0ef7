// Wires the health-checker: heartbeats, lock, check loop (primary watch / periodic / DNSSEC / content audit), event checks, status, metrics.
import {
  HEALTH_LOCK_BUCKET,
  LogRateLimit,
  connectNats,
  createMetricsRegistry,
  ensureZoneEventStream,
  SecondaryRegistry,
  secondaryStateClient,
  startHeartbeatMonitor,
  startMetricsServer,
  subscribeZoneEvents,
} from "@pdns-distribute/core";
import type { HealthStatus, HeartbeatMonitor, Logger, MetricsServer, NatsConnection, Registry } from "@pdns-distribute/core";
import { startCheckLoop } from "./check-loop";
import type { CheckLoop, LoopJob } from "./check-loop";
import { contentAuditJob, dnssecUpkeepJob, eventCheckJob, periodicCheckJob, primaryWatchJob } from "./check-jobs";
import type { MeteredCheckDeps, MeteredDnssecDeps } from "./check-jobs";
import { AuditRotation } from "./content-audit";
import { natsPrimaryDigest } from "./content-audit-run";
import {
  AUDIT_DIGEST_TIMEOUT_MS,
  AUDIT_RECORDS_PER_S,
  CHECK_CONCURRENCY,
  DNSSEC_MAX_RESYNCS_PER_RUN,
  DNSSEC_MIN_VALIDITY_H,
  FIRST_CHECK_DELAY_MS,
  MAX_RESYNCS_PER_SECONDARY,
  STATE_PAGE_SIZE,
  instanceIdOf,
} from "./config";
import type { HealthCheckerConfig } from "./config";
import { startEventWatch } from "./event-watch";
import type { EventWatch } from "./event-watch";
import { startLeaderLock } from "./lock";
import { createHealthMetrics } from "./metrics";
import type { HealthMetrics } from "./metrics";
import { powerDnsClient } from "./powerdns";
import { createPrimaryWatch } from "./primary-watch";
import type { PrimaryWatch } from "./primary-watch";
import { jetStreamResyncPublisher } from "./resync";
import { buildHealthStatus, startStatusResponder } from "./status";
import type { PrimaryInfo } from "./status";
import { startStatusPage } from "./status-page";
import type { StatusPage } from "./status-page";

/** A running health-checker. */
export interface HealthChecker {
  registry: SecondaryRegistry;
  status(): HealthStatus;
  /** Runs a periodic check now (if this instance holds the lock). */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

/** The secondaries known from the config and from heartbeats, with their activity metric. */
function startSecondaryTracking(
  nc: NatsConnection,
  cfg: HealthCheckerConfig,
  logger: Logger,
  metrics: HealthMetrics,
): { registry: SecondaryRegistry; monitor: HeartbeatMonitor } {
  const registry = new SecondaryRegistry();
  registry.addStatic(cfg.health.static_secondaries);
  for (const id of cfg.health.static_secondaries) metrics.secondaryActive.set({ secondary: id }, 0);
  const monitor = startHeartbeatMonitor(nc, {
    logger,
    registry,
    onChange: (c) => metrics.secondaryActive.set({ secondary: c.id }, c.active ? 1 : 0),
  });
  return { registry, monitor };
}

/** What the checks and the DNSSEC upkeep work with: PowerDNS, the secondaries' zone state, the resync publisher. */
function checkDeps(
  nc: NatsConnection,
  cfg: HealthCheckerConfig,
  logger: Logger,
  metrics: HealthMetrics,
  registry: SecondaryRegistry,
): { checks: MeteredCheckDeps; dnssec: MeteredDnssecDeps } {
  const powerdns = powerDnsClient({
    apiUrl: cfg.powerdns.api_url,
    apiKey: cfg.powerdns.api_key,
    serverId: "localhost",
    timeoutMs: cfg.powerdns.timeout_ms,
    dnsAddress: cfg.powerdns.dns_address,
    dnsPort: cfg.powerdns.dns_port,
  });
  const publish = jetStreamResyncPublisher(nc, cfg.checks.request_timeout_ms);
  const concurrency = CHECK_CONCURRENCY;
  const states = secondaryStateClient(nc, cfg.checks.request_timeout_ms, STATE_PAGE_SIZE);
  const checks = { powerdns, states, registry, publish, logger, metrics, maxResyncsPerSecondary: MAX_RESYNCS_PER_SECONDARY, concurrency };
  const dnssec = {
    powerdns,
    publish,
    logger,
    metrics,
    concurrency,
    marginS: DNSSEC_MIN_VALIDITY_H * 3600,
    maxPerRun: DNSSEC_MAX_RESYNCS_PER_RUN,
    resyncEnabled: cfg.dnssec.resync_enabled,
    nsec3Convert: cfg.dnssec.nsec3_convert,
    nsec3Param: cfg.dnssec.nsec3_param,
    synced: new Map(),
  };
  return { checks, dnssec };
}

/** The event watch, when event checks are on (`checks.event_check_delay_s` ≥ 0). */
function startEventChecks(nc: NatsConnection, cfg: HealthCheckerConfig, deps: MeteredCheckDeps, loop: CheckLoop): EventWatch | undefined {
  if (cfg.checks.event_check_delay_s < 0) return undefined;
  return startEventWatch(nc, {
    delayMs: cfg.checks.event_check_delay_s * 1000,
    logger: deps.logger,
    active: () => loop.active(),
    onPending: (n) => deps.metrics.eventChecksPending.set(n),
    check: eventCheckJob(deps),
  });
}

/**
 * The primary watch, when on (`checks.primary_poll_interval_s` > 0), with the zone events it hears (from the
 * api-proxy: changes that need no second event) and its loop job, which runs first after a takeover (baseline).
 */
function startPrimaryWatch(nc: NatsConnection, cfg: HealthCheckerConfig, deps: MeteredCheckDeps): { watch: PrimaryWatch; job: LoopJob; stop(): void } | undefined {
  if (cfg.checks.primary_poll_interval_s <= 0) return undefined;
  const { powerdns, publish, logger, metrics, concurrency } = deps;
  const watch = createPrimaryWatch({
    powerdns,
    publish,
    logger,
    metrics,
    concurrency,
    maxPerPoll: MAX_RESYNCS_PER_SECONDARY,
    pollIntervalMs: cfg.checks.primary_poll_interval_s * 1000,
  });
  const sub = subscribeZoneEvents(nc, { onEvent: (e) => watch.seen(e) });
  const job = { name: "primary-watch", intervalMs: cfg.checks.primary_poll_interval_s * 1000, run: primaryWatchJob(watch, metrics, logger) };
  return { watch, job, stop: () => sub.unsubscribe() };
}

/** The content audit's loop job, when on (`checks.content_audit_interval_s` > 0): one zone per run. */
function contentAuditLoopJob(nc: NatsConnection, cfg: HealthCheckerConfig, deps: MeteredCheckDeps): LoopJob[] {
  if (cfg.checks.content_audit_interval_s <= 0) return [];
  const audit = {
    ...deps,
    primaryDigest: natsPrimaryDigest(nc, AUDIT_DIGEST_TIMEOUT_MS),
    rotation: new AuditRotation(),
    recordsPerSecond: AUDIT_RECORDS_PER_S,
    pace: { notBefore: 0 },
    logLimit: new LogRateLimit(60_000),
  };
  return [{ name: "content-audit", intervalMs: cfg.checks.content_audit_interval_s * 1000, run: contentAuditJob(audit) }];
}

/** The status on NATS and on HTTP (GET /status, the status page) beside the metrics. */
async function startStatusServers(
  nc: NatsConnection,
  cfg: HealthCheckerConfig,
  status: () => HealthStatus,
  page: StatusPage,
  promRegistry: Registry,
  logger: Logger,
): Promise<{ stopStatus: () => void; http: MetricsServer | undefined }> {
  const stopStatus = startStatusResponder(nc, status, logger);
  const http = await startMetricsServer(cfg.metrics, promRegistry, logger, (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/status") return page.route(req, res);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(status()) + "\n");
    return true;
  });
  return { stopStatus, http };
}

/** Starts the health-checker (connects to NATS, waits for it). */
export async function startHealthChecker(cfg: HealthCheckerConfig, logger: Logger, name: string): Promise<HealthChecker> {
  const instanceId = instanceIdOf(cfg);
  const nc: NatsConnection = await connectNats(cfg.nats, name, logger);
  await ensureZoneEventStream(nc, cfg.nats);
  const promRegistry = createMetricsRegistry("health-checker");
  const metrics = createHealthMetrics(promRegistry);
  const { registry, monitor } = startSecondaryTracking(nc, cfg, logger, metrics);
  const deps = checkDeps(nc, cfg, logger, metrics, registry);
  const primary: PrimaryInfo = { zones: null, signedZones: null, lastCheck: null, lastCheckMs: null, lastError: null };
  const primaryWatch = startPrimaryWatch(nc, cfg, deps.checks);
  const loop = startCheckLoop({
    jobs: [
      ...(primaryWatch ? [primaryWatch.job] : []),
      { name: "periodic", intervalMs: cfg.checks.periodic_interval_s * 1000, run: periodicCheckJob(deps.checks, primary) },
      { name: "dnssec", intervalMs: cfg.dnssec.check_interval_s * 1000, run: dnssecUpkeepJob(deps.dnssec) },
      ...contentAuditLoopJob(nc, cfg, deps.checks),
    ],
    // Let heartbeats arrive before the first check after taking over.
    takeoverDelayMs: FIRST_CHECK_DELAY_MS,
    onError: (job, err) => logger.error({ job, err: (err as Error).message }, "check job failed unexpectedly"),
  });
  const lock = startLeaderLock(nc, {
    bucket: HEALTH_LOCK_BUCKET,
    ttlMs: cfg.lock.ttl_s * 1000,
    replicas: cfg.nats.replicas,
    instanceId,
    logger,
    onChange: (isLeader) => {
      metrics.leader.set(isLeader ? 1 : 0);
      if (!isLeader) {
        deps.dnssec.synced.clear(); // another checker may have resynced meanwhile: unknown again
        primaryWatch?.watch.reset();
      }
      loop.setActive(isLeader);
    },
  });
  const watch = startEventChecks(nc, cfg, deps.checks, loop);
  const status = () => buildHealthStatus(instanceId, loop.active(), registry, primary);
  const pageStates = secondaryStateClient(nc, cfg.checks.request_timeout_ms, STATE_PAGE_SIZE, 100); // own byte counts
  const page = startStatusPage(nc, { checker: instanceId, leader: () => loop.active(), registry, powerdns: deps.checks.powerdns, states: pageStates, logger });
  const { stopStatus, http } = await startStatusServers(nc, cfg, status, page, promRegistry, logger);

  return {
    registry,
    status,
    checkNow: () => loop.run("periodic"),
    async stop() {
      const loopStopped = loop.stop(); // no new runs from here on
      stopStatus();
      page.stop();
      await watch?.stop();
      primaryWatch?.stop();
      await loopStopped;
      await lock.stop();
      await monitor.stop();
      await http?.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
