// The api-proxy's own JSON answers (errors, GET /changes/{id}): one way to write them.
import type http from "node:http";

/**
 * Answers `status` with `body` as JSON (newline-terminated, `cache-control: no-store`: every answer of the proxy's
 * own is about now); `headers` are added (e.g. retry-after).
 */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body) + "\n";
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}
