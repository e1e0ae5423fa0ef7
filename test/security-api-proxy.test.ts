// api-proxy security with the real daemon: HTTPS with a self-signed certificate it creates and says so,
// the PowerDNS API key passed through but never logged, a body size limit, only PowerDNS API paths proxied.
import { readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { daemonCli, freePort, makeTempDir, removeTempDir, spawnDaemon } from "@pdns-distribute/test-harness";
import type { Daemon } from "@pdns-distribute/test-harness";

const API_KEY = "very-secret-pdns-api-key-4711";

/** A stand-in for PowerDNS' API: records what reached it, answers 200 JSON. */
function fakePowerDns(): Promise<{ server: http.Server; url: string; seen: { url: string; key: string | undefined }[] }> {
  const seen: { url: string; key: string | undefined }[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ url: req.url ?? "", key: req.headers["x-api-key"] as string | undefined });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify([{ id: "localhost", type: "Server" }]));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  );
}

/** One HTTPS request trusting only `ca`; resolves with status and body. */
function request(port: number, ca: Buffer, path: string, opts: { method?: string; body?: Buffer } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", port, path, method: opts.method ?? "GET", ca, servername: "localhost", headers: { "X-API-Key": API_KEY } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", reject);
    req.end(opts.body);
  });
}

describe("security: api-proxy", () => {
  let dir: string;
  let upstream: Awaited<ReturnType<typeof fakePowerDns>>;
  let proxy: Daemon | undefined;
  let port: number;
  let conf: string;

  beforeAll(async () => {
    dir = await makeTempDir("pdnsd-sec-proxy-");
    upstream = await fakePowerDns();
    port = await freePort("127.0.0.1");
    conf = join(dir, "api-proxy.toml");
    await writeFile(
      conf,
      `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${port}\nmax_body_bytes = 1024\ntls = true\n\n` +
        `[powerdns]\napi_url = "${upstream.url}"\n\n[outbox]\ndatabase = "${join(dir, "tls", "outbox.sqlite3")}"\n\n` +
        `[metrics]\nlisten_address = ""\n\n[nats]\nservers = ["nats://127.0.0.1:1"]\n\n[log]\nlevel = "debug"\n`,
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await new Promise((r) => upstream?.server.close(r));
    await removeTempDir(dir);
  });

  const start = async (): Promise<Daemon> => {
    const d = spawnDaemon({ name: "api-proxy", command: ["node", daemonCli("api-proxy"), "--config", conf] });
    await d.waitForLog(/api-proxy listening/, 20_000);
    return d;
  };

  test("HTTPS with a self-signed certificate it creates, key passed through and never logged, paths and size limited", async () => {
    proxy = await start();
    const created = proxy.logLines().find((l) => l.includes("created a self-signed certificate"));
    expect(created).toBeDefined();
    expect(proxy.logLines().some((l) => l.includes("api-proxy listening") && l.includes('"https":true'))).toBe(true);
    const certFile = join(dir, "tls", "api-proxy-selfsigned.crt");
    expect(statSync(join(dir, "tls", "api-proxy-selfsigned.key")).mode & 0o077).toBe(0);
    const ca = readFileSync(certFile);

    // Plain HTTP is not served.
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/servers`)).rejects.toThrow();
    // The API works over HTTPS (the client verifies the certificate against it) and the key reaches PowerDNS.
    const ok = await request(port, ca, "/api/v1/servers?api-key=" + API_KEY);
    expect(ok.status).toBe(200);
    expect(upstream.seen.at(-1)).toEqual({ url: "/api/v1/servers?api-key=" + API_KEY, key: API_KEY });

    // Anything but the PowerDNS API: 404 JSON, never forwarded.
    const before = upstream.seen.length;
    for (const path of ["/", "/metrics", "/api/v1/../../style.css", "/api/v1/%2e%2e/x"]) {
      const r = await request(port, ca, path);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body)).toMatchObject({ error: expect.stringContaining("not found") });
    }
    // Bodies over max_body_bytes: 413, never forwarded.
    const big = await request(port, ca, "/api/v1/servers/localhost/zones", { method: "POST", body: Buffer.alloc(4096, 0x61) });
    expect(big.status).toBe(413);
    expect(upstream.seen.length).toBe(before);

    // Debug logging on, and still the key is nowhere in the log.
    expect(proxy.logLines().some((l) => l.includes('"msg":"proxied"'))).toBe(true);
    expect(proxy.logs()).not.toContain(API_KEY);

    // A restart reuses the certificate (clients that pinned it keep working).
    await proxy.stop();
    proxy = await start();
    expect(proxy.logLines().some((l) => l.includes("using the self-signed certificate created earlier"))).toBe(true);
    expect((await request(port, ca, "/api/v1/servers")).status).toBe(200);
    expect(proxy.logs()).not.toContain(API_KEY);
  });
});
