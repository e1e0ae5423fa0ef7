// Forwarding: hop-by-hop headers dropped, the body and path sent as they came, a timeout told apart.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamTimeoutError, createForwarder, forwardableHeaders } from "../src/forward";

test("hop-by-hop fields (RFC 9110 §7.6.1), host and content-length are not forwarded", () => {
  expect(forwardableHeaders({ connection: "close", "keep-alive": "5", te: "trailers", host: "x", "content-length": "3", "x-api-key": "k", accept: "*/*" })).toEqual({
    "x-api-key": "k",
    accept: "*/*",
  });
});

describe("against a stand-in upstream", () => {
  let upstream: http.Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; body: string; key?: string | string[] }> = [];
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), key: req.headers["x-api-key"] });
        if (req.url?.includes("slow")) return; // never answers
        res.writeHead(201, { "content-type": "application/json", "x-from": "pdns" });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/prefix/`;
  });
  afterAll(() => {
    upstream.closeAllConnections();
    upstream.close();
  });

  test("method, path under the base URL, body and headers go through; the whole answer comes back", async () => {
    const f = createForwarder({ upstreamUrl: base, upstreamTimeoutMs: 2000 });
    try {
      const a = await f.forward({ method: "POST", url: "/api/v1/servers/localhost/zones", headers: { "x-api-key": "k", connection: "close" } }, Buffer.from('{"name":"a."}'));
      expect(a.status).toBe(201);
      expect(a.headers["x-from"]).toBe("pdns");
      expect(a.body.toString()).toBe('{"ok":true}');
      expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/prefix/api/v1/servers/localhost/zones", body: '{"name":"a."}', key: "k" });
    } finally {
      f.close();
    }
  });

  test("no answer within the timeout rejects with UpstreamTimeoutError", async () => {
    const f = createForwarder({ upstreamUrl: base, upstreamTimeoutMs: 150 });
    try {
      await expect(f.forward({ method: "PATCH", url: "/api/v1/slow", headers: {} }, Buffer.from("{}"))).rejects.toBeInstanceOf(UpstreamTimeoutError);
    } finally {
      f.close();
    }
  });
});
