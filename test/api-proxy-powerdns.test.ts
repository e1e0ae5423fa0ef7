// The api-proxy in front of a real PowerDNS: the root zone's change tracking (zone id "=2E", events carry the
// serial), and forward_all_paths serving PowerDNS' own web page, style sheet and metrics.
import { writeFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { connectNats, createLogger, natsConfigSchema, subscribeZoneEvents } from "@pdns-distribute/core";
import type { NatsConnection, ZoneEvent } from "@pdns-distribute/core";
import { powerDnsClient } from "@pdns-distribute/health-checker";
import { daemonCli, freePort, makeTempDir, removeTempDir, spawnDaemon, startNatsServer, startPdns, waitFor } from "@pdns-distribute/test-harness";
import type { Daemon, NatsServer, Pdns } from "@pdns-distribute/test-harness";

let pdns: Pdns;
let nats: NatsServer;
let nc: NatsConnection;
let dir: string;
const events: ZoneEvent[] = [];

/** Starts an api-proxy with `proxyToml` in its [proxy] section; the serial comes from the API (no dns_address). */
async function startProxy(name: string, proxyToml: string): Promise<{ daemon: Daemon; url: string }> {
  const port = await freePort("127.0.0.1");
  const conf = join(dir, `${name}.toml`);
  await writeFile(
    conf,
    `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${port}\n${proxyToml}\n\n[powerdns]\napi_url = "${pdns.apiUrl}"\n\n` +
      `[outbox]\ndatabase = "${join(dir, `${name}-outbox.sqlite3`)}"\n\n[metrics]\nlisten_address = ""\n\n[nats]\nservers = ["${nats.url}"]\n`,
  );
  const daemon = spawnDaemon({ name, command: ["node", daemonCli("api-proxy"), "--config", conf] });
  await daemon.waitForLog(/api-proxy listening/, 20_000);
  await daemon.waitForLog(/connected to NATS/, 20_000);
  return { daemon, url: `http://127.0.0.1:${port}` };
}

/** GET `path` exactly as given (fetch would resolve dot segments before sending); resolves with the status. */
function rawGetStatus(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    http
      .get({ host: hostname, port, path }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

const withKey = () => ({ "X-API-Key": pdns.apiKey, "Content-Type": "application/json" });

beforeAll(async () => {
  dir = await makeTempDir("pdnsd-proxy-pdns-");
  [pdns, nats] = await Promise.all([startPdns(), startNatsServer({ jetstream: true })]);
  nc = await connectNats(natsConfigSchema.parse({ servers: [nats.url] }), "test", createLogger("test", "silent"));
  subscribeZoneEvents(nc, { onEvent: (e) => events.push(e) });
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await Promise.all([pdns?.stop(), nats?.stop()]);
  if (dir) await removeTempDir(dir);
});

test("the root zone: created and changed through the proxy, its events and change status carry PowerDNS' serial", async () => {
  const proxy = await startProxy("api-proxy-root", "");
  try {
    const created = await fetch(`${proxy.url}/api/v1/servers/localhost/zones`, {
      method: "POST",
      headers: withKey(),
      body: JSON.stringify({ name: ".", kind: "Native", nameservers: ["a.root-servers.example."] }),
    });
    expect(created.status).toBe(201);
    const serialOf = async (): Promise<number> => {
      // PowerDNS' own id of the root zone is "=2E"; "/zones/." is 404.
      const r = await fetch(`${pdns.apiUrl}/api/v1/servers/localhost/zones/=2E?rrsets=false`, { headers: withKey() });
      expect(r.status).toBe(200);
      return ((await r.json()) as { edited_serial: number }).edited_serial;
    };
    const first = await serialOf();
    const addEvent = await waitFor(async () => events.find((e) => e.type === "zone.add" && e.zone === "."), { timeoutMs: 10_000, what: "zone.add for ." });
    expect(addEvent.serial).toBe(first);
    const change = (await (await fetch(`${proxy.url}/changes/${created.headers.get("x-change-id")}`)).json()) as { zone: string; serial: number | null };
    expect(change).toMatchObject({ zone: ".", serial: first });

    const patched = await fetch(`${proxy.url}/api/v1/servers/localhost/zones/=2E`, {
      method: "PATCH",
      headers: withKey(),
      body: JSON.stringify({ rrsets: [{ name: "tld.", type: "NS", ttl: 3600, changetype: "REPLACE", records: [{ content: "ns1.tld.", disabled: false }] }] }),
    });
    expect(patched.status).toBe(204);
    const second = await serialOf();
    expect(second).toBeGreaterThan(first);
    const modEvent = await waitFor(async () => events.find((e) => e.type === "zone.modified" && e.zone === "."), { timeoutMs: 10_000, what: "zone.modified for ." });
    expect(modEvent.serial).toBe(second);
    expect(proxy.daemon.logs()).not.toMatch(/serial of the changed zone unknown/);

    // The health-checker's PowerDNS client reads the root zone too.
    const client = powerDnsClient({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, serverId: "localhost", timeoutMs: 5000, dnsAddress: pdns.dnsHost, dnsPort: pdns.dnsPort });
    const root = await client.zone(".");
    expect([root?.name, root?.edited_serial ?? root?.serial]).toEqual([".", second]);
  } finally {
    await proxy.daemon.stop();
  }
});

test("forward_all_paths = true: PowerDNS' own web page, style sheet and metrics pass through; dot segments never", async () => {
  const proxy = await startProxy("api-proxy-all", "forward_all_paths = true");
  try {
    for (const path of ["/", "/style.css", "/metrics"]) {
      const [direct, via] = await Promise.all([fetch(`${pdns.apiUrl}${path}`), fetch(`${proxy.url}${path}`)]);
      expect(`${path} ${via.status} ${via.headers.get("content-type")}`).toBe(`${path} 200 ${direct.headers.get("content-type")}`);
      const text = await via.text();
      await direct.text();
      if (path === "/") expect(text).toContain("PowerDNS Authoritative Server Monitor");
      if (path === "/metrics") expect(text).toMatch(/^pdns_auth_/m);
    }
    // The API still needs the key, as at PowerDNS.
    expect((await fetch(`${proxy.url}/api/v1/servers/localhost/zones`)).status).toBe(401);
    expect((await fetch(`${proxy.url}/api/v1/servers/localhost/zones`, { headers: withKey() })).status).toBe(200);
    for (const path of ["/api/v1/../../style.css", "/%2e%2e/metrics", "/a/../metrics"]) expect(`${path} ${await rawGetStatus(proxy.url, path)}`).toBe(`${path} 404`);
  } finally {
    await proxy.daemon.stop();
  }
});

test("by default only the API is forwarded: GET / is 404 JSON and never reaches PowerDNS", async () => {
  const proxy = await startProxy("api-proxy-default", "");
  try {
    const r = await fetch(`${proxy.url}/`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: string }).error).toMatch(/only the PowerDNS API/);
  } finally {
    await proxy.daemon.stop();
  }
});
