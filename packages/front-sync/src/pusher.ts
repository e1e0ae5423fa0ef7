// Pushes the routed zones to dnsdist (console) and pdns-recursor (forward-zones file): batched, one push at a time.
import type { Logger } from "@pdns-distribute/core";
import { FRONT_SYNC_FIXED as FIXED } from "./config";
import type { FrontSyncConfig } from "./config";
import type { DnsdistConsole } from "./dnsdist-console";
import { currentDigestLua, expungeLua, replaceRuleLua } from "./dnsdist-rule";
import { renderForwardZones, wipeCache, writeForwardZones } from "./forward-zones";
import type { FrontMetrics } from "./metrics";
import { routedDigest } from "./served-zones";

/** Pushes what `routed()` returns; `dataChanged` zones also leave both caches. */
export interface Pusher {
  /** A push within 20 ms (changes arriving meanwhile ride along). */
  schedule(): void;
  /** Pushes now and resolves when done (failures are logged and retried later). */
  pushNow(): Promise<void>;
  /** `zone`'s data changed: drop its cached answers at the next push. */
  dataChanged(zone: string): void;
  /** Asks dnsdist whether its rule is the one pushed last (a restarted dnsdist has none); pushes again if not. */
  checkDnsdist(): Promise<void>;
  stop(): Promise<void>;
}

type Target = "dnsdist" | "recursor";

/** Creates the pusher; everything is dirty at first, so the first push writes both targets. */
export function createPusher(cfg: FrontSyncConfig, dnsdist: DnsdistConsole | undefined, routed: () => string[], m: FrontMetrics, logger: Logger): Pusher {
  const dirty: Record<Target, boolean> = { dnsdist: true, recursor: true };
  const changed = new Set<string>();
  let pushedDigest = "";
  /** The zones of the rule pushed last; undefined until the first push (dnsdist may hold answers of any zone). */
  let pushedZones: Set<string> | undefined;
  let pushing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const rec = { file: cfg.recursor.forward_zones_file, recControl: cfg.recursor.rec_control, socketDir: cfg.recursor.socket_dir, timeoutMs: FIXED.recControlTimeoutMs };

  const toDnsdist = async (zones: string[], digest: string, flush: string[]) => {
    // After the rule: a zone routed or unrouted leaves both caches (the secondaries' pool may hold its answers from
    // before a deletion, the default pool the recursor's from before it was routed), as does a zone whose data changed.
    const expunge = expungeLua(cacheFlush(flush, pushedZones, zones), [cfg.dnsdist.pool, FIXED.fallbackPool]);
    const rule = dirty.dnsdist || digest !== pushedDigest;
    const lua = rule ? replaceRuleLua(zones, digest, { pool: cfg.dnsdist.pool, ruleName: FIXED.ruleName }, expunge) : expunge;
    if (lua === "" || !dnsdist) return;
    await dnsdist.run(lua);
    pushedDigest = digest;
    pushedZones = new Set(zones);
  };
  const toRecursor = async (zones: string[], flush: string[]) => {
    await writeForwardZones(renderForwardZones(zones, cfg.recursor.forwarders), rec, dirty.recursor);
    await wipeCache(rec, flush);
  };
  const pushTo = async (target: Target, zones: string[], digest: string, flush: string[]) => {
    const t0 = performance.now();
    try {
      await (target === "dnsdist" ? toDnsdist(zones, digest, flush) : toRecursor(zones, flush));
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
    const zones = routed();
    m.routed.set(zones.length);
    const digest = routedDigest(zones);
    const flush = [...changed].sort();
    changed.clear();
    // The recursor first: once dnsdist sends a deleted zone's queries to it, it must no longer forward them to the
    // secondaries (which answer REFUSED: a SERVFAIL the recursor would cache). Its cache is wiped once more after
    // queries in flight during the reload have ended, so none of their answers outlives the change.
    if (cfg.recursor.enabled) await pushTo("recursor", zones, digest, flush);
    if (dnsdist) await pushTo("dnsdist", zones, digest, flush);
    if (cfg.recursor.enabled && flush.length > 0) rewipe(flush);
  };
  const rewipe = (zones: string[]) => {
    const t = setTimeout(() => {
      if (stopped) return;
      wipeCache(rec, zones).catch((err: unknown) => logger.warn({ err: (err as Error).message, zones: zones.length }, "second wipe of the recursor's cache failed"));
    }, FIXED.rewipeDelayMs);
    t.unref();
  };
  const run = () => (pushing = push().finally(() => (pushing = undefined)));
  const schedule = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (pushing) void pushing.then(schedule);
      else void run();
    }, FIXED.pushDelayMs);
  };

  return {
    schedule,
    async pushNow() {
      clearTimeout(timer);
      timer = undefined;
      await pushing;
      await run();
    },
    dataChanged: (zone) => void changed.add(zone),
    async checkDnsdist() {
      if (dnsdist && !dirty.dnsdist) {
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
      }
      if (dirty.dnsdist || dirty.recursor) schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await pushing;
    },
  };
}

/** Zones to drop from dnsdist's caches: those whose data changed and those routed or unrouted since `before`. */
export function cacheFlush(dataChanged: readonly string[], before: ReadonlySet<string> | undefined, now: readonly string[]): string[] | "all" {
  if (before === undefined) return "all";
  const nowSet = new Set(now);
  const drop = new Set(dataChanged);
  for (const z of now) if (!before.has(z)) drop.add(z);
  for (const z of before) if (!nowSet.has(z)) drop.add(z);
  return drop.size > FIXED.expungeWholeAbove ? "all" : [...drop].sort();
}
