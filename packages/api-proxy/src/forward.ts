// Forwarding one request to the PowerDNS API over kept-alive connections, and reading its whole answer.
import http from "node:http";
import https from "node:https";

/** What the proxy forwards of a client's request (an http.IncomingMessage is one). */
export interface RequestHead {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
}

/** PowerDNS' answer, read whole. */
export interface UpstreamAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** PowerDNS took the request but did not answer within the timeout: the change may or may not be applied. */
export class UpstreamTimeoutError extends Error {
  constructor(ms: number) {
    super(`PowerDNS API did not answer within ${ms} ms`);
    this.name = "UpstreamTimeoutError";
  }
}

/** Sends requests to one PowerDNS API. */
export interface Forwarder {
  /** Sends `head` with `body`; rejects when PowerDNS cannot be reached or does not answer in time. */
  forward(head: RequestHead, body: Buffer): Promise<UpstreamAnswer>;
  /** Closes the kept-alive connections. */
  close(): void;
}

/** Options of {@link createForwarder}. */
export interface ForwarderOptions {
  /** Base URL of the PowerDNS API, e.g. http://127.0.0.1:8081 */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
}

// RFC 9110 §7.6.1 hop-by-hop fields are not forwarded (nor host and content-length, which are set anew).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"]);

/** `headers` without the hop-by-hop fields. */
export function forwardableHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key.toLowerCase())) out[key] = value;
  }
  return out;
}

/** Marks an error of a kept-alive socket PowerDNS closed before the request reached it (safe to send again). */
interface ForwardError extends Error {
  code?: string;
  reusedSocket?: boolean;
}

/**
 * A forwarder with its own connection pool. A request on a kept-alive connection PowerDNS closed before any answer
 * (ECONNRESET / EPIPE on a reused socket: it never reached PowerDNS) is sent once more (Node's http docs pattern).
 */
export function createForwarder(opts: ForwarderOptions): Forwarder {
  const upstream = new URL(opts.upstreamUrl);
  const transport = upstream.protocol === "https:" ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 64 });
  const basePath = upstream.pathname.replace(/\/$/, "");

  const forwardOnce = (head: RequestHead, body: Buffer): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers = forwardableHeaders(head.headers);
      headers["content-length"] = body.length;
      const target = { protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, path: basePath + (head.url ?? "/") };
      const up = transport.request({ ...target, method: head.method, headers, agent, timeout: opts.upstreamTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      up.on("timeout", () => up.destroy(new UpstreamTimeoutError(opts.upstreamTimeoutMs)));
      let answered = false;
      up.on("response", () => {
        answered = true;
      });
      up.on("error", (err: ForwardError) => {
        if (!answered && up.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE")) err.reusedSocket = true;
        reject(err);
      });
      up.end(body);
    });

  return {
    forward: (head, body) =>
      forwardOnce(head, body).catch((err: ForwardError) => {
        if (err.reusedSocket !== true) throw err;
        return forwardOnce(head, body);
      }),
    close: () => agent.destroy(),
  };
}
