// The proxy's own JSON answers: status, extra headers, no caching, newline-terminated JSON.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sendJson } from "../src/json-reply";

test("sendJson answers JSON with its length, no-store and the extra headers", async () => {
  const server = http.createServer((_req, res) => sendJson(res, 503, { error: "busy", n: 1 }, { "retry-after": "1" }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(r.status).toBe(503);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect(r.headers.get("retry-after")).toBe("1");
    const text = await r.text();
    expect(text).toBe('{"error":"busy","n":1}\n');
    expect(r.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
  } finally {
    server.close();
  }
});
