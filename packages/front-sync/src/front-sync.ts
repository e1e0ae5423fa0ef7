// The front-sync daemon: follows what the secondaries serve over NATS and pushes the routed zones to dnsdist and pdns-recursor.
import { closeSync, openSync } from "node:fs";
import { LogRateLimit, SUBJECTS, connectNats, decodeMessage, readSecretFile, secondaryAppliedSchema, secondaryStateClient, startMetricsServer } from "@pdns-distribute/core";
import type { Logger, NatsConnection, SecondaryStateClient } from "@pdns-distribute/core";
import { FRONT_SYNC_FIXED as FIXED } from "./config";
import type { FrontSyncConfig } from "./config";
import { decodeConsoleKey, dnsdistConsole } from "./dnsdist-console";
import { frontMetrics } from "./metrics";
import type { FrontMetrics } from "./metrics";
import { createPusher } from "./pusher";
import type { Pusher } from "./pusher";
import { ServedZones } from "./served-zones";

/** A running front-sync. */
export interface FrontSync {
  /** The zones routed now. */
  routed(): string[];
  /** Lists the secondaries again (digest first) and checks dnsdist's rule now, as the periodic check does. */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

/** Follows `pdns.secondary.*.applied`: routing changes and changed data of watched secondaries go to the pusher. */
function followApplied(nc: NatsConnection, served: ServedZones, pusher: Pusher, m: FrontMetrics, logger: Logger) {
  const limit = new LogRateLimit(10_000);
  const logBad = (): void => {
    const suppressed = limit.take("undecodable");
    if (suppressed !== undefined) logger.warn({ suppressed }, "undecodable applied message ignored");
  };
  return nc.subscribe(SUBJECTS.secondaryAppliedWildcard, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const a = decodeMessage(secondaryAppliedSchema, msg.data, "applied message");
        if (!served.watches(a.id)) return;
        const before = served.serialOf(a.id, a.zone);
        const routing = served.applied(a.id, a.zone, a.serial);
        const dataChanged = before !== undefined && before !== a.serial;
        if (dataChanged) pusher.dataChanged(a.zone);
        if (routing || dataChanged) pusher.schedule();
      } catch {
        m.badMessages.inc();
        logBad();
      }
    },
  });
}

/** Lists one secondary's zones (`always`, or when its digest differs from what we hold of it). */
async function listSecondary(id: string, always: boolean, states: SecondaryStateClient, served: ServedZones, pusher: Pusher, m: FrontMetrics, logger: Logger) {
  try {
    if (!always && (await states.digest(id)).digest === served.digestOf(id)) return;
    served.listingStarted(id);
    const { serials } = await states.fullState(id);
    if (served.replace(id, serials)) pusher.schedule();
    m.listings.inc({ result: "ok" });
  } catch (err) {
    served.listingFailed(id);
    m.listings.inc({ result: "error" });
    logger.warn({ secondary: id, err: (err as Error).message }, "cannot list the secondary's zones; it keeps what we knew");
  }
}

/** Starts the daemon: lists the secondaries' zones, pushes them (before "ready"), then follows changes. */
export async function startFrontSync(cfg: FrontSyncConfig, logger: Logger, name: string): Promise<FrontSync> {
  const m = frontMetrics("front-sync");
  const served = new ServedZones(cfg.front.secondaries);
  const dnsdist = cfg.dnsdist.enabled
    ? dnsdistConsole({
        host: cfg.dnsdist.console_address,
        port: cfg.dnsdist.console_port,
        key: decodeConsoleKey(readSecretFile(cfg.dnsdist.key_file, "dnsdist console key file").toString("utf8")),
        timeoutMs: FIXED.consoleTimeoutMs,
      })
    : undefined;
  if (cfg.recursor.enabled) closeSync(openSync(cfg.recursor.forward_zones_file, "a")); // fails early on a bad path
  const metricsServer = await startMetricsServer(cfg.metrics, m.registry, logger);
  const nc = await connectNats(cfg.nats, name, logger);
  const states = secondaryStateClient(nc, FIXED.requestTimeoutMs, FIXED.pageSize);
  const pusher = createPusher(cfg, dnsdist, () => served.routed(), m, logger);
  const sub = followApplied(nc, served, pusher, m, logger);
  const check = async (always: boolean) => {
    await Promise.all(cfg.front.secondaries.map((id) => listSecondary(id, always, states, served, pusher, m, logger)));
    await pusher.checkDnsdist();
  };
  await check(true);
  await pusher.pushNow();
  const interval = setInterval(() => void check(false), cfg.front.check_interval_s * 1000);
  logger.info({ secondaries: cfg.front.secondaries, routed: served.routed().length }, "front-sync ready");

  return {
    routed: () => served.routed(),
    checkNow: () => check(false),
    async stop() {
      clearInterval(interval);
      sub.unsubscribe();
      await pusher.stop();
      dnsdist?.close();
      await nc.drain().catch(() => undefined);
      await metricsServer?.close();
    },
  };
}
