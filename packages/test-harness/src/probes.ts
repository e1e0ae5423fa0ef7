// Readiness probes: TCP connect (optionally reading a greeting) and JSON over HTTP GET.

import { connect } from "node:net";

/**
 * Resolves true when a TCP connection to `host:port` succeeds and, if `greeting` is given, the server's
 * first bytes start with it (NATS sends `INFO {...}`); false on refusal, mismatch or after `timeoutMs`.
 */
export function probeTcp(host: string, port: number, greeting?: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = "";
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("error", () => done(false));
    socket.once("connect", () => {
      if (greeting === undefined) done(true);
    });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
      if (greeting !== undefined && received.length >= greeting.length) done(received.startsWith(greeting));
    });
  });
}

/** Result of {@link httpGetJson}: status code and parsed body (`undefined` when not JSON). */
export interface HttpJsonResult {
  /** HTTP status code. */
  status: number;
  /** Parsed JSON body, or `undefined` when the body is not JSON. */
  body: unknown;
}

/** GETs `url` and parses the body as JSON; resolves `undefined` on connection errors or timeout. */
export async function httpGetJson(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 2000,
): Promise<HttpJsonResult | undefined> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch {
    return undefined;
  }
}
