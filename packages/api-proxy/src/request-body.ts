// Request bodies: a limit checked before reading (Content-Length) and while streaming (chunked), and refusing a
// request without keeping its body.
import type http from "node:http";

/** The body is over the limit. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/** Whether the request declares (Content-Length) a body over `limit` bytes. */
export function declaredTooLarge(headers: http.IncomingHttpHeaders, limit: number): boolean {
  const n = Number(headers["content-length"]);
  return Number.isFinite(n) && n > limit;
}

/** Reads the whole body; rejects with {@link BodyTooLargeError} as soon as more than `limit` bytes came (nothing more is kept). */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData);
      chunks.length = 0;
      reject(new BodyTooLargeError(limit));
    };
    req.on("data", onData);
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Answers (`send`) a request whose body is not read, with `connection: close`: Node.js then reads away what already
 * came (keeping nothing) and closes the connection once the answer is sent, whatever the client still sends.
 */
export function refuseUnread(req: http.IncomingMessage, res: http.ServerResponse, send: () => void): void {
  res.shouldKeepAlive = false;
  send();
  req.resume();
}
