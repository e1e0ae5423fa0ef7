// HTTP proxy in front of the PowerDNS API: forwards every request unchanged, then publishes zone events.
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { newZoneEvent } from "@pdns-distribute/core";
import type { Logger, ZoneEvent } from "@pdns-distribute/core";
import { isForwardedPath, redactUrl } from "./api-paths";
import { classifyRequest, zoneNameFromCreateResponse } from "./classify";
import { PatchBatcher, combinablePatch, combinedPatchBody, writeZoneKey } from "./patch-batch";
import type { PatchBatch } from "./patch-batch";
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
  /** Forward every path (PowerDNS' web page, /metrics …), not only the API paths (api-paths.ts); default false. */
  forwardAllPaths?: boolean;
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

/** Most bytes of request bodies combined into one PATCH (PowerDNS' webserver-max-bodysize is 2 MB by default). */
const COMBINED_BODY_MAX_BYTES = 1024 * 1024;

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

  /** What a forwarded write (or read) comes to, for the client. */
  type Outcome =
    | { kind: "answer"; answer: UpstreamAnswer; changeId?: string }
    | { kind: "refused"; err: WriteGateError }
    | { kind: "unreachable"; err: Error; uncertain: boolean };

  /** PowerDNS could not be reached or did not answer: logged, and an event published when the change may be applied. */
  const unreachable = async (req: http.IncomingMessage, body: Buffer, err: Error): Promise<Outcome> => {
    logger.error({ err: err.message, method: req.method, url: redactUrl(req.url) }, "PowerDNS API unreachable");
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
    return { kind: "unreachable", err, uncertain: uncertain !== undefined };
  };

  /** After PowerDNS' answer to `req`: the zone event of a successful change, submitted; returns its id. */
  const announce = async (req: http.IncomingMessage, answer: UpstreamAnswer, requests = 1): Promise<string | undefined> => {
    const change = answer.status >= 200 && answer.status < 300 ? classifyRequest(req.method ?? "GET", req.url ?? "/") : null;
    if (!change) return undefined;
    const zone = change.zone ?? zoneNameFromCreateResponse(answer.body);
    if (zone === undefined) {
      logger.error({ url: redactUrl(req.url) }, "zone created but its name is not in PowerDNS' answer; no event published");
      return undefined;
    }
    const event = newZoneEvent(change.type, zone, "api-proxy");
    try {
      await opts.changes?.prepare(event, req);
      const published = await events.submit(event);
      const fields = requests > 1 ? { event: event.type, zone, id: event.id, requests } : { event: event.type, zone, id: event.id };
      if (published) logger.info(fields, "zone event published");
      else logger.warn(fields, "zone event stored in the outbox, published once NATS is back");
      return event.id;
    } catch (err) {
      // The outbox itself failed (disk full, …): the change is done on PowerDNS but no event exists.
      logger.error({ err: (err as Error).message, event }, "zone event could not be stored or published");
      return undefined;
    }
  };

  /** Forwards `req` (its turn at the gate come, `release` called once PowerDNS answered) and announces the change. */
  const exchange = async (req: http.IncomingMessage, body: Buffer, release?: () => void): Promise<Outcome> => {
    let answer: UpstreamAnswer;
    try {
      answer = await forward(req, body).finally(() => release?.());
    } catch (err) {
      return unreachable(req, body, err as Error);
    }
    return { kind: "answer", answer, changeId: await announce(req, answer) };
  };

  interface BatchMember {
    req: http.IncomingMessage;
    body: Buffer;
    done: (outcome: Outcome) => void;
  }

  /** A batch of PATCHes of one zone (patch-batch.ts): its turn at the gate, then one PATCH, or one by one if refused. */
  const runBatch = async (batch: PatchBatch<BatchMember>, gate: WriteGate): Promise<void> => {
    let release: () => void;
    try {
      release = await gate.acquire(opts.upstreamTimeoutMs);
    } catch (err) {
      batcher?.close(batch);
      gate.left(batch.members.length - 1);
      for (const { member } of batch.members) member.done(err instanceof WriteGateError ? { kind: "refused", err } : { kind: "unreachable", err: err as Error, uncertain: false });
      return;
    }
    batcher?.close(batch);
    gate.left(batch.members.length - 1);
    const members = batch.members.map((m) => m.member);
    const first = members[0] as BatchMember; // a batch starts with one member
    if (members.length === 1) {
      first.done(await exchange(first.req, first.body, release));
      return;
    }
    const body = combinedPatchBody(batch.members.map((m) => m.patch));
    let answer: UpstreamAnswer;
    try {
      answer = await forward(first.req, body);
    } catch (err) {
      release();
      const outcome = await unreachable(first.req, body, err as Error);
      for (const m of members) m.done(outcome);
      return;
    }
    if (answer.status >= 200 && answer.status < 300) {
      release();
      opts.onCombined?.(members.length, "combined");
      const changeId = await announce(first.req, answer, members.length);
      for (const m of members) m.done({ kind: "answer", answer, changeId });
      return;
    }
    // Refused as a whole (nothing applied): each on its own, in order, for its own answer.
    opts.onCombined?.(members.length, "split");
    logger.info({ zone: batch.zoneKey, requests: members.length, status: answer.status }, "combined PATCH refused by PowerDNS; sending its requests one by one");
    const answers: Array<UpstreamAnswer | Error> = [];
    try {
      for (const m of members) answers.push(await forward(m.req, m.body).catch((err: Error) => err));
    } finally {
      release();
    }
    await Promise.all(
      members.map(async (m, k) => {
        const a = answers[k] as UpstreamAnswer | Error;
        m.done(a instanceof Error ? await unreachable(m.req, m.body, a) : { kind: "answer", answer: a, changeId: await announce(m.req, a) });
      }),
    );
  };

  const gate = opts.writeGate;
  const maxCombined = opts.maxCombinedPatches ?? 1;
  const batcher =
    gate && maxCombined > 1
      ? new PatchBatcher<BatchMember>({ maxRequests: maxCombined, maxBytes: COMBINED_BODY_MAX_BYTES, admit: () => gate.join() }, (batch) => {
          runBatch(batch, gate).catch((err: unknown) => {
            logger.error({ err }, "unexpected error in a combined PATCH");
            for (const { member } of batch.members) member.done({ kind: "unreachable", err: err as Error, uncertain: false });
          });
        })
      : undefined;

  /** Sends `outcome` to the client. */
  const respond = (req: http.IncomingMessage, res: http.ServerResponse, outcome: Outcome, started: number): void => {
    if (outcome.kind === "refused") {
      opts.onWriteRefused?.(outcome.err.reason);
      logger.warn({ method: req.method, url: redactUrl(req.url), reason: outcome.err.reason }, "write not forwarded: PowerDNS busy with earlier writes");
      res.setHeader("retry-after", "1");
      sendJson(res, 503, { error: "PowerDNS busy with earlier writes; not forwarded, nothing changed", detail: outcome.err.message });
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
    const headers = forwardableHeaders(outcome.answer.headers);
    if (outcome.changeId !== undefined) headers["x-change-id"] = outcome.changeId;
    res.writeHead(outcome.answer.status, headers);
    res.end(outcome.answer.body);
    logger.debug({ method: req.method, url: redactUrl(req.url), status: outcome.answer.status, ms: Date.now() - started }, "proxied");
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const started = Date.now();
    if (opts.changes && (await opts.changes.route(req, res))) return;
    if (!isForwardedPath(req.url ?? "/", opts.forwardAllPaths === true)) {
      const what = opts.forwardAllPaths ? "paths with dot segments or encoded slashes are not" : "only the PowerDNS API (/api/v1/...) is";
      sendJson(res, 404, { error: `not found: ${what} served here` });
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
    if (!opts.writeGate || !isWriteMethod(req.method)) {
      respond(req, res, await exchange(req, body), started);
      return;
    }
    if (batcher) {
      const patch = combinablePatch(req.method, req.url, req.headers, body);
      if (patch) {
        const outcome = await new Promise<Outcome>((done) => batcher.add(patch, body.length, { req, body, done }));
        respond(req, res, outcome, started);
        return;
      }
      batcher.barrier(writeZoneKey(req.url));
    }
    let release: () => void;
    try {
      // The wait for a turn counts like PowerDNS' own time to answer.
      release = await opts.writeGate.acquire(opts.upstreamTimeoutMs);
    } catch (err) {
      if (!(err instanceof WriteGateError)) throw err;
      respond(req, res, { kind: "refused", err }, started);
      return;
    }
    respond(req, res, await exchange(req, body, release), started);
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
