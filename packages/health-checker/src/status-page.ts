// The status web page on the health-checker's HTTP port: follows zone events and applied messages, reads serials, serves HTML + JSON.
import type http from "node:http";
import {
  ChangeTracker,
  SUBJECTS,
  decodeMessage,
  secondaryAppliedSchema,
  subscribeZoneEvents,
  zoneSetDigest,
} from "@pdns-distribute/core";
import type { Logger, NatsConnection, SecondaryRegistry, SecondaryStateClient } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";
import type { PowerDnsClient } from "./powerdns";
import { STATUS_PAGE_HTML } from "./status-page-html";
import { buildStatusPage } from "./status-page-model";
import type { StatusPageData, ZoneSnapshot } from "./status-page-model";
import { mapLimit } from "./util";

/** Options of {@link startStatusPage}. */
export interface StatusPageOptions {
  checker: string;
  leader(): boolean;
  registry: SecondaryRegistry;
  powerdns: PowerDnsClient;
  states: SecondaryStateClient;
  logger: Logger;
  /** Serials are read again when the page asks and the last read is older than this, ms (default 5000). */
  snapshotMaxAgeMs?: number;
  /** Matrix rows shown (default 200) and recent changes listed (default 25). */
  maxRows?: number;
  maxChanges?: number;
}

/** A running status page. */
export interface StatusPage {
  /** Serves `GET /` and `/status.html` (the page) and `GET /status/page.json` (its data); false otherwise. */
  route(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** The page data now (reads serials first when none were read yet). */
  data(): Promise<StatusPageData>;
  stop(): void;
}

/** Subscribes to zone events and applied messages; reads serials lazily while someone looks at the page. */
export function startStatusPage(nc: NatsConnection, opts: StatusPageOptions): StatusPage {
  const tracker = new ChangeTracker({ maxChanges: 1000 });
  const maxAge = opts.snapshotMaxAgeMs ?? 5000;
  let snapshot: ZoneSnapshot | undefined;
  let snapshotError: string | null = null;
  let reading: Promise<void> | undefined;

  const events = subscribeZoneEvents(nc, {
    onEvent: (e) => {
      if (e.target !== undefined) return; // targeted resyncs are repairs, not changes
      const now = Date.now();
      const t = Date.parse(e.time);
      // The producer's clock, unless it is clearly off (then the time the event arrived).
      const time = Number.isFinite(t) && Math.abs(now - t) < 60_000 ? Math.min(t, now) : now;
      tracker.record({ id: e.id, zone: normalizeName(e.zone), type: e.type, serial: e.serial ?? null, time }, now);
    },
    onInvalid: (e) => opts.logger.debug({ err: e.message }, "unreadable zone event ignored by the status page"),
  });
  const applied = nc.subscribe(SUBJECTS.secondaryAppliedWildcard, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const a = decodeMessage(secondaryAppliedSchema, msg.data, `applied ${msg.subject}`);
        tracker.applied(a.id, normalizeName(a.zone), a.serial);
      } catch (e) {
        opts.logger.debug({ err: (e as Error).message }, "unreadable applied message ignored");
      }
    },
  });

  /** Reads the primary's serials and each active secondary's (none asked when its heartbeat digest matches). */
  const read = async (): Promise<void> => {
    const at = Date.now();
    try {
      const primary = (await opts.powerdns.state()).serials;
      const digest = zoneSetDigest(primary);
      const secondaries = new Map(snapshot?.secondaries ?? []); // inactive ones keep what was last read
      await mapLimit(opts.registry.active(), 4, async (s) => {
        try {
          secondaries.set(s.id, s.digest === digest ? primary : (await opts.states.fullState(s.id)).serials);
        } catch (err) {
          secondaries.delete(s.id);
          opts.logger.debug({ secondary: s.id, err: (err as Error).message }, "status page: zone state not read");
        }
      });
      snapshot = { at, primary, secondaries };
      snapshotError = null;
    } catch (err) {
      snapshotError = (err as Error).message;
    }
  };
  const refresh = (): Promise<void> => {
    if (!reading && (!snapshot || Date.now() - snapshot.at > maxAge)) reading = read().finally(() => (reading = undefined));
    return reading ?? Promise.resolve();
  };

  const data = async (): Promise<StatusPageData> => {
    const pending = refresh();
    if (!snapshot) await pending; // the first time; afterwards the page shows the last read while the next one runs
    return buildStatusPage({
      checker: opts.checker,
      leader: opts.leader(),
      secondaries: opts.registry.list(),
      snapshot,
      snapshotError,
      tracker,
      maxRows: opts.maxRows ?? 200,
      maxChanges: opts.maxChanges ?? 25,
      now: Date.now(),
    });
  };

  return {
    data,
    async route(req, res) {
      if (req.method !== "GET") return false;
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/" || path === "/status.html") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(STATUS_PAGE_HTML);
        return true;
      }
      if (path === "/status/page.json") {
        const body = JSON.stringify(await data()) + "\n";
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(body);
        return true;
      }
      return false;
    },
    stop() {
      events.unsubscribe();
      applied.unsubscribe();
    },
  };
}
