// Change tracking in the api-proxy: records each change's serial, follows applied messages and heartbeats, serves GET /changes/{id}.
import type http from "node:http";
import {
  ChangeTracker,
  SUBJECTS,
  decodeMessage,
  parseDuration,
  pdnsZoneId,
  secondaryAppliedSchema,
} from "@pdns-distribute/core";
import type { ChangeStatus, Logger, NatsConnection, ZoneEvent } from "@pdns-distribute/core";
import { startHeartbeatMonitor } from "@pdns-distribute/core";
import type { HeartbeatMonitor } from "@pdns-distribute/core";
import type { SoaSerialReader } from "./dns-serial";

/** Options of {@link startChangeTracking}. */
export interface ChangeTrackingOptions {
  /** Base URL of the PowerDNS API (the serial of a changed zone is read there). */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  /** No heartbeat for this long → the secondary is inactive and not waited for, ms. */
  inactiveAfterMs: number;
  maxChanges: number;
  retentionMs: number;
  /** Longest `?wait=` honoured, ms. */
  maxWaitMs: number;
  /** Most requests waiting at once (503 beyond). */
  maxWaiting: number;
  /** Reads the serial with a DNS SOA query to PowerDNS instead (falling back to the API when it fails). */
  dnsSerial?: SoaSerialReader;
  logger: Logger;
}

/** Change tracking as the proxy uses it. */
export interface ChangeTracking {
  /** Answers `GET /changes/{id}[?wait=10s]`; false for any other request. */
  route(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** Before a zone event is submitted: reads the zone's serial from PowerDNS into `event.serial` and records the change. */
  prepare(event: ZoneEvent, req: http.IncomingMessage): Promise<void>;
  /** Starts following applied messages and heartbeats on `nc` (call once NATS is connected). */
  attach(nc: NatsConnection): void;
  /** The status of one change now (undefined: unknown or expired). */
  status(id: string): ChangeStatus | undefined;
  stop(): Promise<void>;
}

const CHANGE_PATH = /^\/changes\/([A-Za-z0-9_-]{1,128})\/?$/;
const SERVER_PATH = /^\/api\/v1\/servers\/([^/?]+)\//;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

/** Starts change tracking; NATS comes later through `attach`. */
export function startChangeTracking(opts: ChangeTrackingOptions): ChangeTracking {
  const tracker = new ChangeTracker({ maxChanges: opts.maxChanges, retentionMs: opts.retentionMs });
  const upstream = opts.upstreamUrl.replace(/\/$/, "");
  let monitor: HeartbeatMonitor | undefined;
  let stopApplied: (() => void) | undefined;
  const waiters = new Set<() => void>();
  let stopping = false;
  const active = (): string[] => monitor?.registry.active().map((s) => s.id) ?? [];
  const notify = (): void => {
    for (const w of [...waiters]) w();
  };

  /** The serial PowerDNS serves for `zone` now (edited_serial: after SOA-EDIT, as AXFR gives it); null when unknown. */
  const readSerial = async (req: http.IncomingMessage, zone: string): Promise<number | null> => {
    if (opts.dnsSerial) {
      try {
        return await opts.dnsSerial.read(zone);
      } catch (err) {
        opts.logger.debug({ zone, err: (err as Error).message }, "serial not read over DNS; asking the API");
      }
    }
    const server = SERVER_PATH.exec(req.url ?? "")?.[1] ?? "localhost";
    const headers: Record<string, string> = { accept: "application/json" };
    for (const h of ["x-api-key", "authorization"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    try {
      const r = await fetch(`${upstream}/api/v1/servers/${server}/zones/${pdnsZoneId(zone)}?rrsets=false`, {
        headers,
        signal: AbortSignal.timeout(opts.upstreamTimeoutMs),
      });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const z = (await r.json()) as { serial?: unknown; edited_serial?: unknown };
      if (typeof z.edited_serial === "number" && z.edited_serial > 0) return z.edited_serial;
      return typeof z.serial === "number" ? z.serial : null;
    } catch (err) {
      opts.logger.warn({ zone, err: (err as Error).message }, "serial of the changed zone unknown; any later applied serial will count");
      return null;
    }
  };

  /** Waits until `id` is INSYNC, `ms` passed or the client went away. */
  const waitFor = (id: string, ms: number, req: http.IncomingMessage): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
        req.off("close", done);
        resolve();
      };
      const check = (): void => {
        const s = tracker.status(id, active());
        if (stopping || !s || s.status === "INSYNC") done();
      };
      const timer = setTimeout(done, ms);
      req.once("close", done);
      waiters.add(check);
      check();
    });

  return {
    async route(req, res) {
      const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
      const m = CHANGE_PATH.exec(path);
      if (!m || path.startsWith("/api/")) return false;
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { error: "only GET is allowed on /changes/{id}" });
        return true;
      }
      const id = m[1] as string;
      const waitText = new URLSearchParams(query).get("wait");
      let waitMs = 0;
      if (waitText !== null) {
        const parsed = parseDuration(waitText);
        if (parsed === undefined) {
          sendJson(res, 400, { error: `wait: not a duration (e.g. 10s, 500ms): ${waitText}` });
          return true;
        }
        waitMs = Math.min(parsed, opts.maxWaitMs);
      }
      if (!tracker.status(id, active())) {
        sendJson(res, 404, { error: "unknown or expired change id", id });
        return true;
      }
      if (waitMs > 0) {
        if (waiters.size >= opts.maxWaiting) {
          sendJson(res, 503, { error: `too many waiting requests (${opts.maxWaiting})` });
          return true;
        }
        await waitFor(id, waitMs, req);
      }
      const status = tracker.status(id, active());
      if (!status) sendJson(res, 404, { error: "unknown or expired change id", id });
      else sendJson(res, 200, status);
      return true;
    },

    async prepare(event, req) {
      const zone = event.zone.toLowerCase();
      const serial = event.type === "zone.delete" ? null : await readSerial(req, zone);
      if (serial !== null) event.serial = serial;
      tracker.record({ id: event.id, zone, type: event.type, serial, time: Date.parse(event.time) || Date.now() });
    },

    attach(nc) {
      if (monitor) return;
      monitor = startHeartbeatMonitor(nc, {
        inactiveAfterMs: opts.inactiveAfterMs,
        checkIntervalMs: Math.min(1000, opts.inactiveAfterMs),
        logger: opts.logger,
        onChange: notify,
      });
      const sub = nc.subscribe(SUBJECTS.secondaryAppliedWildcard, {
        callback: (err, msg) => {
          if (err) return;
          try {
            const a = decodeMessage(secondaryAppliedSchema, msg.data, `applied ${msg.subject}`);
            if (tracker.applied(a.id, a.zone.toLowerCase(), a.serial).length > 0) notify();
          } catch (e) {
            opts.logger.debug({ err: (e as Error).message }, "unreadable applied message ignored");
          }
        },
      });
      stopApplied = () => sub.unsubscribe();
    },

    status: (id) => tracker.status(id, active()),

    async stop() {
      stopping = true;
      stopApplied?.();
      notify();
      await monitor?.stop();
      opts.dnsSerial?.close();
    },
  };
}
