// The front-sync daemon: follows what the secondaries serve over NATS and pushes the routed zones to dnsdist and pdns-recursor.
import { closeSync, openSync } from "node:fs";
import {
  Counter,
  Gauge,
  Histogram,
  SUBJECTS,
  connectNats,
  createMetricsRegistry,
  decodeMessage,
  readSecretFile,
  secondaryAppliedSchema,
  secondaryStateClient,
  startMetricsServer,
} from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import { FRONT_SYNC_FIXED as FIXED } from "./config";
import type { FrontSyncConfig } from "./config";
import { decodeConsoleKey, dnsdistConsole } from "./dnsdist-console";
import type { DnsdistConsole } from "./dnsdist-console";
import { currentDigestLua, expungeLua, replaceRuleLua } from "./dnsdist-rule";
import { renderForwardZones, wipeCache, writeForwardZones } from "./forward-zones";
import { ServedZones, routedDigest } from "./served-zones";

/** A running front-sync. */
export interface FrontSync {
  /** The zones routed now. */
  routed(): string[];
  /** Lists the secondaries again and checks dnsdist's rule now (as the periodic check does). */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

function frontMetrics(daemon: string) {
  const registry = createMetricsRegistry(daemon);
  return {
    registry,
    routed: new Gauge({ name: "pdnsd_front_routed_zones", help: "Zones routed to the secondaries now", registers: [registry] }),
    pushes: new Counter({
      name: "pdnsd_front_pushes_total",
      help: "Pushes of the routed zones, by target (dnsdist, recursor) and result (ok, error)",
      labelNames: ["target", "result"],
      registers: [registry],
    }),
    pushSeconds: new Histogram({
      name: "pdnsd_front_push_seconds",
      help: "Time one push to a target took",
      labelNames: ["target"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    badMessages: new Counter({ name: "pdnsd_front_bad_messages_total", help: "Applied messages that did not decode", registers: [registry] }),
    listings: new Counter({
      name: "pdnsd_front_listings_total",
      help: "Full zone listings of a secondary, by result",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}

/** Calls `fn` at most once per `windowMs` (first call logs; later ones are counted and summarised). */
function rateLimited(windowMs: number, fn: (suppressed: number) => void): () => void {
  let last = 0;
  let suppressed = 0;
  return () => {
    const now = Date.now();
    if (now - last < windowMs) return void suppressed++;
    last = now;
    fn(suppressed);
    suppressed = 0;
  };
}

/** Starts the daemon: connects to NATS, lists the secondaries' zones, pushes them, then follows changes. */
export async function startFrontSync(cfg: FrontSyncConfig, logger: Logger, name: string): Promise<FrontSync> {
  const m = frontMetrics("front-sync");
  const served = new ServedZones(cfg.front.secondaries);
  const dnsdist: DnsdistConsole | undefined = cfg.dnsdist.enabled
    ? dnsdistConsole({
        host: cfg.dnsdist.console_address,
        port: cfg.dnsdist.console_port,
        key: decodeConsoleKey(readSecretFile(cfg.dnsdist.key_file, "dnsdist console key file").toString("utf8")),
        timeoutMs: FIXED.consoleTimeoutMs,
      })
    : undefined;
  if (cfg.recursor.enabled) closeSync(openSync(cfg.recursor.forward_zones_file, "a")); // fails early on a bad path
  const metricsServer = await startMetricsServer(cfg.metrics, m.registry, logger);
  const nc: NatsConnection = await connectNats(cfg.nats, name, logger);
  const states = secondaryStateClient(nc, FIXED.requestTimeoutMs, FIXED.pageSize);

  let stopped = false;
  // Pushing: one at a time; a change during a push schedules another after it. `changed`: zones whose data
  // changed (new serial or gone), whose cached answers are dropped from dnsdist's and the recursor's caches.
  const dirty = { dnsdist: true, recursor: true };
  const changed = new Set<string>();
  let pushedDigest = "";
  let pushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const recursorOptions = {
    file: cfg.recursor.forward_zones_file,
    recControl: cfg.recursor.rec_control,
    socketDir: cfg.recursor.socket_dir,
    timeoutMs: FIXED.recControlTimeoutMs,
  };
  const pushTo = async (target: "dnsdist" | "recursor", zones: string[], digest: string, flush: string[]) => {
    const t0 = performance.now();
    try {
      if (target === "dnsdist" && dnsdist) {
        const rule = dirty.dnsdist || digest !== pushedDigest ? replaceRuleLua(zones, digest, { pool: cfg.dnsdist.pool, ruleName: FIXED.ruleName }) : "";
        const lua = [expungeLua(flush, cfg.dnsdist.pool), rule].filter((x) => x !== "").join("\n");
        if (lua === "") return;
        await dnsdist.run(lua);
        pushedDigest = digest;
      }
      if (target === "recursor") {
        await writeForwardZones(renderForwardZones(zones, cfg.recursor.forwarders), recursorOptions, dirty.recursor);
        await wipeCache(recursorOptions, flush);
      }
      dirty[target] = false;
      m.pushes.inc({ target, result: "ok" });
      m.pushSeconds.observe({ target }, (performance.now() - t0) / 1000);
      logger.debug({ target, zones: zones.length, flushed: flush.length, ms: Math.round(performance.now() - t0) }, "routed zones pushed");
    } catch (err) {
      dirty[target] = true;
      for (const z of flush) changed.add(z);
      m.pushes.inc({ target, result: "error" });
      logger.warn({ target, err: (err as Error).message }, "push of routed zones failed; retried at the next change or check");
    }
  };
  const push = async () => {
    const zones = served.routed();
    m.routed.set(zones.length);
    const digest = routedDigest(zones);
    const flush = [...changed].sort();
    changed.clear();
    await Promise.all([
      dnsdist ? pushTo("dnsdist", zones, digest, flush) : undefined,
      cfg.recursor.enabled ? pushTo("recursor", zones, digest, flush) : undefined,
    ]);
  };
  const schedule = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (pushing) return void pushing.then(schedule);
      pushing = push().finally(() => (pushing = undefined));
    }, FIXED.pushDelayMs);
  };

  // Changes: every applied message of a watched secondary.
  const logBad = rateLimited(10_000, (suppressed) => logger.warn({ suppressed }, "undecodable applied message ignored"));
  const sub = nc.subscribe(SUBJECTS.secondaryAppliedWildcard, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const a = decodeMessage(secondaryAppliedSchema, msg.data, "applied message");
        if (!served.watches(a.id)) return;
        const before = served.serialOf(a.id, a.zone);
        const routing = served.applied(a.id, a.zone, a.serial);
        if (before !== undefined && before !== a.serial) changed.add(a.zone);
        if (routing || changed.size > 0) schedule();
      } catch {
        m.badMessages.inc();
        logBad();
      }
    },
  });

  // Listings: at start, and when a secondary's digest differs from what we hold of it.
  const list = async (id: string, always: boolean) => {
    try {
      if (!always && (await states.digest(id)).digest === served.digestOf(id)) return;
      served.listingStarted(id);
      const { serials } = await states.fullState(id);
      if (served.replace(id, serials)) schedule();
      m.listings.inc({ result: "ok" });
    } catch (err) {
      served.listingFailed(id);
      m.listings.inc({ result: "error" });
      logger.warn({ secondary: id, err: (err as Error).message }, "cannot list the secondary's zones; it keeps what we knew");
    }
  };
  const checkDnsdist = async () => {
    if (!dnsdist || dirty.dnsdist) return;
    try {
      const have = (await dnsdist.run(currentDigestLua())).trim();
      if (have !== pushedDigest) {
        logger.info({ have }, "dnsdist's rule is not the current one (dnsdist restarted?); pushing it again");
        dirty.dnsdist = true;
      }
    } catch (err) {
      dirty.dnsdist = true;
      logger.warn({ err: (err as Error).message }, "dnsdist console unreachable");
    }
  };
  const check = async (always: boolean) => {
    await Promise.all(cfg.front.secondaries.map((id) => list(id, always)));
    await checkDnsdist();
    if (dirty.dnsdist || dirty.recursor) schedule();
  };
  await check(true);
  // The first push before "ready": a started front-sync has put the routed zones in place (or logged why not).
  clearTimeout(timer);
  timer = undefined;
  await (pushing = push().finally(() => (pushing = undefined)));
  const interval = setInterval(() => void check(false), cfg.front.check_interval_s * 1000);
  logger.info({ secondaries: cfg.front.secondaries, routed: served.routed().length }, "front-sync ready");

  return {
    routed: () => served.routed(),
    checkNow: () => check(false),
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearTimeout(timer);
      sub.unsubscribe();
      await pushing;
      dnsdist?.close();
      await nc.drain().catch(() => undefined);
      await metricsServer?.close();
    },
  };
}
