// HTTP proxy in front of the PowerDNS API: forwards every request unchanged (forward.ts), writes in turn
// (write-queue.ts), then announces zone events (announce.ts).
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "@pdns-distribute/core";
import { createAnnouncer, exchange } from "./announce";
import type { EventPreparer, EventSink, Outcome } from "./announce";
import { isForwardedPath, redactUrl } from "./api-paths";
import { createCredentialCheck } from "./credential-check";
import { createForwarder, forwardableHeaders } from "./forward";
import type { UpstreamAnswer } from "./forward";
import { sendJson } from "./json-reply";
import { createRefusalLog } from "./refusal-log";
import { BodyTooLargeError, declaredTooLarge, readBody, refuseUnread } from "./request-body";
import { isWriteMethod } from "./write-gate";
import type { WriteGate, WriteGateError } from "./write-gate";
import { createWriteQueue } from "./write-queue";

/** Options of the proxy server. */
export interface ApiProxyOptions {
  listenAddress: string;
  listenPort: number;
  /** Base URL of the PowerDNS API, e.g. http://127.0.0.1:8081 */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  /** Largest request body, bytes: a larger declared one is refused before reading, a streamed one once it passes it. */
  maxBodyBytes: number;
  /** Forward every path (PowerDNS' web page, /metrics …), not only the API paths (api-paths.ts); default false. */
  forwardAllPaths?: boolean;
  /**
   * Check a write's credentials with PowerDNS (credential-check.ts) before reading its body or taking a write slot;
   * credentials PowerDNS refuses get its answer (401) at once. Absent: not checked (PowerDNS decides on the write).
   */
  checkCredentials?: boolean;
  /** Called when a request is refused before it is forwarded: its body too large, or its credentials refused (metrics). */
  onRefused?: (reason: RefusedReason) => void;
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
  /**
   * Most PATCHes of one zone waiting at the gate together that go to PowerDNS as one PATCH (patch-batch.ts);
   * 1 or absent: each alone. Needs `writeGate`.
   */
  maxCombinedPatches?: number;
  /** Called for each combined PATCH of 2 or more requests: "combined" (PowerDNS took it) or "split" (sent one by one). */
  onCombined?: (requests: number, outcome: "combined" | "split") => void;
}

/** Why a request was refused before it was forwarded. */
export type RefusedReason = "body_too_large" | "credentials";

/** What the proxy needs from change tracking. */
export interface ChangeHooks extends EventPreparer {
  /** Answers the request itself (e.g. GET /changes/{id}) and returns true, or returns false to forward it. */
  route(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
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

/** Relays PowerDNS' answer as it is (hop-by-hop fields dropped), with the change id when there is one. */
function relayAnswer(res: http.ServerResponse, answer: UpstreamAnswer, changeId?: string): void {
  const headers = forwardableHeaders(answer.headers);
  if (changeId !== undefined) headers["x-change-id"] = changeId;
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** Sends `outcome` to the client. */
function respond(res: http.ServerResponse, outcome: Outcome): void {
  if (outcome.kind === "refused") {
    sendJson(res, 503, { error: "PowerDNS busy with earlier writes; not forwarded, nothing changed", detail: outcome.err.message }, { "retry-after": "1" });
    return;
  }
  if (outcome.kind === "unreachable") {
    sendJson(res, 502, {
      error: "PowerDNS API unreachable",
      detail: outcome.err.message,
      ...(outcome.uncertain ? { note: "the change may have been applied; the secondaries were told to check the zone" } : {}),
    });
    return;
  }
  relayAnswer(res, outcome.answer, outcome.changeId);
}

/** Starts the proxy; `events` receives an event after each successful zone change. */
export async function startApiProxy(opts: ApiProxyOptions, events: EventSink, logger: Logger): Promise<ApiProxy> {
  const forwarder = createForwarder(opts);
  const announcer = createAnnouncer({ events, changes: opts.changes, logger });
  const credentials = opts.checkCredentials ? createCredentialCheck(forwarder) : undefined;
  const refusedLog = createRefusalLog(logger);
  const gate = opts.writeGate;
  const writes = gate
    ? createWriteQueue({ gate, turnTimeoutMs: opts.upstreamTimeoutMs, maxCombinedPatches: opts.maxCombinedPatches ?? 1, forwarder, announcer, logger, onCombined: opts.onCombined })
    : undefined;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    if (opts.changes && (await opts.changes.route(req, res))) return;
    if (!isForwardedPath(req.url ?? "/", opts.forwardAllPaths === true)) {
      const what = opts.forwardAllPaths ? "paths with dot segments or encoded slashes are not" : "only the PowerDNS API (/api/v1/...) is";
      sendJson(res, 404, { error: `not found: ${what} served here` });
      return;
    }
    const body = await admit(req, res);
    if (!body) return;
    const outcome = writes && isWriteMethod(req.method) ? await writes.send(req, body) : await exchange(forwarder, announcer, req, body);
    if (outcome.kind === "refused") {
      opts.onWriteRefused?.(outcome.err.reason);
      logger.warn({ method: req.method, url: redactUrl(req.url), reason: outcome.err.reason }, "write not forwarded: PowerDNS busy with earlier writes");
    }
    respond(res, outcome);
    if (outcome.kind === "answer") logger.debug({ method: req.method, url: redactUrl(req.url), status: outcome.answer.status, ms: Date.now() - started }, "proxied");
  };

  /** Refuses `req` before it is forwarded (logged rate-limited, counted), without reading on. */
  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, reason: RefusedReason, send: () => void): void => {
    opts.onRefused?.(reason);
    refusedLog.note(reason, { method: req.method, url: redactUrl(req.url), from: req.socket.remoteAddress });
    refuseUnread(req, res, send);
  };
  const tooLarge = (req: http.IncomingMessage, res: http.ServerResponse): void =>
    refuse(req, res, "body_too_large", () => sendJson(res, 413, { error: `request body over ${opts.maxBodyBytes} bytes ([proxy] max_body_bytes)` }));

  /**
   * The body of a request that may go to PowerDNS, or undefined when it was refused: a declared length over the
   * limit at once; a write whose credentials PowerDNS refuses before its body is read; a streamed body once it passes
   * the limit. Nothing of a refused body is kept, and a refused write never takes a write slot.
   */
  const admit = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<Buffer | undefined> => {
    if (declaredTooLarge(req.headers, opts.maxBodyBytes)) return void tooLarge(req, res);
    if (credentials && isWriteMethod(req.method)) {
      const verdict = await credentials.check(req);
      if (verdict.kind === "refused") return void refuse(req, res, "credentials", () => relayAnswer(res, verdict.answer));
    }
    try {
      return await readBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      return void tooLarge(req, res);
    }
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
        forwarder.close();
      }),
  };
}
