// HTTP proxy in front of the PowerDNS API: forwards every request unchanged, then publishes zone events.
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { newZoneEvent } from "@pdns-distribute/core";
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import { isPowerDnsApiPath, redactUrl } from "./api-paths";
import { classifyRequest, zoneNameFromCreateResponse } from "./classify";
import { WriteGateError, isWriteMethod } from "./write-gate";
import type { WriteGate } from "./write-gate";

/** Publishes a zone event; resolves once the broker acknowledged it. */
export interface EventPublisher {
  publish(event: ZoneEvent): Promise<void>;
}

/**
 * Takes a zone event for delivery (the durable outbox): resolves true once the broker acknowledged it,
 * false when it is kept and published later. Rejects only when the event could not be written to disk (the
 * write, or its fsync, failed): the proxy then logs it and still relays PowerDNS' answer.
 */
export interface EventSink {
  submit(event: ZoneEvent): Promise<boolean>;
}

/** Options of the proxy server. */
export interface ApiProxyOptions {
  listenAddress: string;
  listenPort: number;
  /** Base URL of the PowerDNS API, e.g. http://127.0.0.1:8081 */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  maxBodyBytes: number;
  /** Serve HTTPS with this PEM certificate and key (tls.ts); absent: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** Called when a response has been sent: method, HTTP status, seconds since the request arrived (metrics). */
  onResponse?: (method: string, status: number, seconds: number) => void;
  /** Change tracking (changes.ts): its own routes (GET /changes/{id}) and a hook run before each event is submitted. */
  changes?: ChangeHooks;
  /** Queues write requests so that at most so many are at PowerDNS at once (write-gate.ts); absent: no limit. */
  writeGate?: WriteGate;
  /** Called when a write is refused by the gate (metrics). */
  onWriteRefused?: (reason: WriteGateError["reason"]) => void;
}

/** What the proxy needs from change tracking. */
export interface ChangeHooks {
  /** Answers the request itself (e.g. GET /changes/{id}) and returns true, or returns false to forward it. */
  route(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
  /** Called before `event` is submitted: may set `event.serial`, records the change. Must not reject. */
  prepare(event: ZoneEvent, req: http.IncomingMessage): Promise<void>;
}

/** A running proxy. */
export interface ApiProxy {
  /** Address and port actually bound. */
  address(): AddressInfo;
  /** Whether it serves HTTPS. */
  https: boolean;
  /** Stops accepting connections and waits for in-flight requests. */
  close(): Promise<void>;
}

// RFC 9110 §7.6.1 hop-by-hop fields are not forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

function forwardableHeaders(headers: http.IncomingHttpHeaders | http.IncomingMessage["headers"]): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key.toLowerCase())) out[key] = value;
  }
  return out;
}

class BodyTooLargeError extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it, but read the rest away so the 413 reaches the client (destroying would reset it).
        reject(new BodyTooLargeError(`request body over ${limit} bytes`));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the proxy; `events` receives an event after each successful zone change. */
export async function startApiProxy(opts: ApiProxyOptions, events: EventSink, logger: Logger): Promise<ApiProxy> {
  const upstream = new URL(opts.upstreamUrl);
  const transport = upstream.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 64 });
  const basePath = upstream.pathname.replace(/\/$/, "");

  /**
   * Forwards once more when a kept-alive connection turned out to be closed by PowerDNS before any answer
   * (ECONNRESET / "socket hang up" on a reused socket: the request never reached it; Node's http docs pattern).
   */
  const forward = (req: http.IncomingMessage, body: Buffer): Promise<UpstreamAnswer> =>
    forwardOnce(req, body).catch((err: Error & { reusedSocket?: boolean }) => {
      if (err.reusedSocket !== true) throw err;
      return forwardOnce(req, body);
    });

  const forwardOnce = (req: http.IncomingMessage, body: Buffer): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers = forwardableHeaders(req.headers);
      headers["content-length"] = body.length;
      const up = transport.request(
        {
          protocol: upstream.protocol,
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: basePath + (req.url ?? "/"),
          headers,
          agent,
          timeout: opts.upstreamTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on("error", reject);
        },
      );
      up.on("timeout", () => up.destroy(Object.assign(new Error(`PowerDNS API did not answer within ${opts.upstreamTimeoutMs} ms`), { upstreamTimeout: true })));
      let answered = false;
      up.on("response", () => {
        answered = true;
      });
      up.on("error", (err: Error & { code?: string; reusedSocket?: boolean }) => {
        if (!answered && up.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE")) err.reusedSocket = true;
        reject(err);
      });
      up.end(body);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    if (opts.changes && (await opts.changes.route(req, res))) return;
    if (!isPowerDnsApiPath(req.url ?? "/")) {
      sendJson(res, 404, { error: "not found: only the PowerDNS API (/api/v1/...) is served here" });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, opts.maxBodyBytes);
    } catch (err) {
      res.shouldKeepAlive = false;
      sendJson(res, 413, { error: (err as Error).message });
      return;
    }
    let release: (() => void) | undefined;
    if (opts.writeGate && isWriteMethod(req.method)) {
      try {
        // The wait for a turn counts like PowerDNS' own time to answer.
        release = await opts.writeGate.acquire(opts.upstreamTimeoutMs);
      } catch (err) {
        if (!(err instanceof WriteGateError)) throw err;
        opts.onWriteRefused?.(err.reason);
        logger.warn({ method: req.method, url: redactUrl(req.url), reason: err.reason }, "write not forwarded: PowerDNS busy with earlier writes");
        res.setHeader("retry-after", "1");
        sendJson(res, 503, { error: "PowerDNS busy with earlier writes; not forwarded, nothing changed", detail: err.message });
        return;
      }
    }
    let answer: UpstreamAnswer;
    try {
      answer = await forward(req, body).finally(() => release?.());
    } catch (err) {
      logger.error({ err: (err as Error).message, method: req.method, url: redactUrl(req.url) }, "PowerDNS API unreachable");
      // A change PowerDNS took but did not answer in time (e.g. a PATCH of a huge zone) may well be applied:
      // announce the zone so the secondaries look (they fetch what PowerDNS has; nothing changes if it is not).
      const uncertain = (err as { upstreamTimeout?: boolean }).upstreamTimeout === true ? uncertainChange(req, body) : undefined;
      if (uncertain) {
        const event = newZoneEvent(uncertain.type, uncertain.zone, "api-proxy");
        try {
          await events.submit(event);
          logger.warn({ event: event.type, zone: uncertain.zone, id: event.id }, "PowerDNS did not answer a zone change in time; zone event published in case it was applied");
        } catch (e) {
          logger.error({ err: (e as Error).message, event }, "zone event could not be stored or published");
        }
      }
      sendJson(res, 502, {
        error: "PowerDNS API unreachable",
        detail: (err as Error).message,
        ...(uncertain ? { note: "the change may have been applied; the secondaries were told to check the zone" } : {}),
      });
      return;
    }
    const change = answer.status >= 200 && answer.status < 300 ? classifyRequest(req.method ?? "GET", req.url ?? "/") : null;
    let changeId: string | undefined; // the event id, returned as X-Change-Id once the event is stored
    if (change) {
      const zone = change.zone ?? zoneNameFromCreateResponse(answer.body);
      if (zone === undefined) {
        logger.error({ url: redactUrl(req.url) }, "zone created but its name is not in PowerDNS' answer; no event published");
      } else {
        const event = newZoneEvent(change.type, zone, "api-proxy");
        try {
          await opts.changes?.prepare(event, req);
          const published = await events.submit(event);
          changeId = event.id;
          if (published) logger.info({ event: event.type, zone, id: event.id }, "zone event published");
          else logger.warn({ event: event.type, zone, id: event.id }, "zone event stored in the outbox, published once NATS is back");
        } catch (err) {
          // The outbox itself failed (disk full, …): the change is done on PowerDNS but no event exists.
          logger.error({ err: (err as Error).message, event }, "zone event could not be stored or published");
        }
      }
    }
    const headers = forwardableHeaders(answer.headers);
    if (changeId !== undefined) headers["x-change-id"] = changeId;
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    logger.debug({ method: req.method, url: redactUrl(req.url), status: answer.status, ms: Date.now() - started }, "proxied");
  };

  /**
   * The zone event to publish for a zone-changing request whose outcome is unknown (PowerDNS timed out): a
   * change or create → zone.modified / zone.add (harmless if nothing changed). Not for deletes: removing a zone
   * the primary may still have is left to the health-checker, which asks PowerDNS first.
   */
  const uncertainChange = (req: http.IncomingMessage, body: Buffer): { type: "zone.add" | "zone.modified"; zone: string } | undefined => {
    const change = classifyRequest(req.method ?? "GET", req.url ?? "/");
    if (!change || change.type === "zone.delete") return undefined;
    const zone = change.zone ?? zoneNameFromCreateResponse(body); // a create names the zone in its request body too
    return zone === undefined ? undefined : { type: change.type, zone };
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (opts.onResponse) {
      const arrived = performance.now();
      res.once("finish", () => opts.onResponse?.(req.method ?? "GET", res.statusCode, (performance.now() - arrived) / 1000));
    }
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, "unexpected error while proxying");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.destroy();
    });
  };
  const server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listenPort, opts.listenAddress, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    address: () => server.address() as AddressInfo,
    https: opts.tls !== undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        agent.destroy();
      }),
  };
}
