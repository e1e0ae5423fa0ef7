// Change tracking in the api-proxy: records each change's serial, follows applied messages and heartbeats, serves GET /changes/{id}.
import type http from "node:http";
import { ChangeTracker, SUBJECTS, decodeMessage, secondaryAppliedSchema, startHeartbeatMonitor } from "@pdns-distribute/core";
import type { ChangeStatus, HeartbeatMonitor, Logger, NatsConnection, ZoneEvent } from "@pdns-distribute/core";
import { parseChangeRequest } from "./change-request";
import { createChangeWaiters } from "./change-waiters";
import type { SoaSerialReader } from "./dns-serial";
import type { RequestHead } from "./forward";
import { sendJson } from "./json-reply";
import { createZoneSerialReader } from "./zone-serial";

/** Options of {@link startChangeTracking}. */
export interface ChangeTrackingOptions {
  /** Base URL of the PowerDNS API (the serial of a changed zone is read there). */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
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
  prepare(event: ZoneEvent, head: RequestHead): Promise<void>;
  /** The serial PowerDNS serves for `zone` now (over DNS, else the API); null when unknown. */
  serialNow(zone: string, head: RequestHead): Promise<number | null>;
  /** Starts following applied messages and heartbeats on `nc` (call once NATS is connected). */
  attach(nc: NatsConnection): void;
  /** The status of one change now (undefined: unknown or expired). */
  status(id: string): ChangeStatus | undefined;
  stop(): Promise<void>;
}

/** Follows `secondary.applied` messages on `nc` into `tracker`; calls `onApplied` when a change moved. Returns the unsubscribe. */
function followApplied(nc: NatsConnection, tracker: ChangeTracker, onApplied: () => void, logger: Logger): () => void {
  const sub = nc.subscribe(SUBJECTS.secondaryAppliedWildcard, {
    callback: (err, msg) => {
      if (err) return;
      try {
        const a = decodeMessage(secondaryAppliedSchema, msg.data, `applied ${msg.subject}`);
        if (tracker.applied(a.id, a.zone.toLowerCase(), a.serial).length > 0) onApplied();
      } catch (e) {
        logger.debug({ err: (e as Error).message }, "unreadable applied message ignored");
      }
    },
  });
  return () => sub.unsubscribe();
}

/** Whether a waiting request may be answered: the change is in sync everywhere, or it expired meanwhile. */
function isFinal(s: ChangeStatus | undefined): boolean {
  return !s || s.status === "INSYNC";
}

/** Starts change tracking; NATS comes later through `attach`. */
export function startChangeTracking(opts: ChangeTrackingOptions): ChangeTracking {
  const tracker = new ChangeTracker({ maxChanges: opts.maxChanges, retentionMs: opts.retentionMs });
  const serials = createZoneSerialReader(opts);
  const waiters = createChangeWaiters();
  let monitor: HeartbeatMonitor | undefined;
  let stopApplied: (() => void) | undefined;
  let stopping = false;
  const status = (id: string): ChangeStatus | undefined => tracker.status(id, monitor?.registry.active().map((s) => s.id) ?? []);

  const route = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    const asked = parseChangeRequest(req.method, req.url, opts.maxWaitMs);
    if (asked.kind === "other") return false;
    if (asked.kind === "error") {
      sendJson(res, asked.status, { error: asked.error });
      return true;
    }
    const { id, waitMs } = asked;
    if (!status(id)) {
      sendJson(res, 404, { error: "unknown or expired change id", id });
      return true;
    }
    if (waitMs > 0) {
      if (waiters.size >= opts.maxWaiting) {
        sendJson(res, 503, { error: `too many waiting requests (${opts.maxWaiting})` });
        return true;
      }
      await waiters.wait(() => stopping || isFinal(status(id)), waitMs, req);
    }
    const now = status(id);
    if (!now) sendJson(res, 404, { error: "unknown or expired change id", id });
    else sendJson(res, 200, now);
    return true;
  };

  return {
    route,
    async prepare(event, head) {
      const zone = event.zone.toLowerCase();
      const serial = event.type === "zone.delete" ? null : await serials.read(zone, head);
      if (serial !== null) event.serial = serial;
      tracker.record({ id: event.id, zone, type: event.type, serial, time: Date.parse(event.time) || Date.now() });
    },
    serialNow: (zone, head) => serials.read(zone, head),
    attach(nc) {
      if (monitor) return;
      // A secondary that misses 3 of its heartbeats is inactive and not waited for (as in the health-checker).
      monitor = startHeartbeatMonitor(nc, { logger: opts.logger, onChange: waiters.notify });
      stopApplied = followApplied(nc, tracker, waiters.notify, opts.logger);
    },
    status,
    async stop() {
      stopping = true;
      stopApplied?.();
      waiters.notify();
      await monitor?.stop();
      serials.close();
    },
  };
}
