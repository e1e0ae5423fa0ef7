// Change tracking with real servers: X-Change-Id, PENDING → INSYNC, ?wait=, wait-sync, only active secondaries count.
import { daemonCli, dig, runCommand, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { join } from "node:path";
import type { ChangeStatus } from "@pdns-distribute/core";

const CTL = join(__dirname, "..", "packages", "ctl", "dist", "cli.js");
const ZONE = "track.example.";

let cluster: LocalCluster;

/** A PowerDNS API call through the api-proxy; returns status, X-Change-Id and body text. */
async function viaProxy(method: string, path: string, body?: unknown): Promise<{ status: number; changeId: string | null; text: string }> {
  const res = await fetch(`${cluster.proxyUrl}/api/v1/servers/localhost${path}`, {
    method,
    headers: { "X-API-Key": cluster.pdns.apiKey, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, changeId: res.headers.get("x-change-id"), text: await res.text() };
}

async function change(id: string, query = ""): Promise<{ status: number; body: ChangeStatus & { error?: string } }> {
  const res = await fetch(`${cluster.proxyUrl}/changes/${id}${query}`);
  return { status: res.status, body: (await res.json()) as ChangeStatus & { error?: string } };
}

const setTxt = (text: string) =>
  viaProxy("PATCH", `/zones/${ZONE}`, { rrsets: [{ name: `www.${ZONE}`, type: "TXT", ttl: 60, changetype: "REPLACE", records: [{ content: `"${text}"`, disabled: false }] }] });

async function soaSerial(sec: LocalSecondary): Promise<number | undefined> {
  const r = await dig({ server: sec.address, port: sec.port, qname: ZONE, qtype: "SOA" });
  const line = r.answer.find((l) => / IN SOA /.test(l));
  return line ? Number(line.split(/\s+/)[6]) : undefined;
}

async function primarySerial(): Promise<number> {
  const z = (await (await fetch(`${cluster.pdns.apiUrl}/api/v1/servers/localhost/zones/${ZONE}?rrsets=false`, { headers: { "X-API-Key": cluster.pdns.apiKey } })).json()) as { edited_serial: number };
  return z.edited_serial;
}

beforeAll(async () => {
  cluster = await startLocalCluster();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

test("a zone create gets a change id; PENDING turns INSYNC when both secondaries serve its serial", async () => {
  const created = await viaProxy("POST", "/zones", { name: ZONE, kind: "Native", nameservers: ["ns1.example.net."] });
  expect(created.status).toBe(201);
  expect(created.changeId).toMatch(/^[0-9a-f-]{36}$/);
  expect(JSON.parse(created.text)).toMatchObject({ name: ZONE }); // the body is PowerDNS' own

  const first = await change(created.changeId!);
  expect(first.status).toBe(200);
  expect(["PENDING", "INSYNC"]).toContain(first.body.status);
  expect(first.body).toMatchObject({ id: created.changeId, zone: ZONE, type: "zone.add", serial: await primarySerial() });

  const started = Date.now();
  const done = await change(created.changeId!, "?wait=10s");
  expect(done.body.status).toBe("INSYNC");
  expect(Date.now() - started).toBeLessThan(9000);
  expect(done.body.secondaries.map((s) => [s.id, s.inSync, s.servedSerial])).toEqual([
    ["sec1", true, done.body.serial],
    ["sec2", true, done.body.serial],
  ]);
  expect(done.body.propagationMs).toBeGreaterThanOrEqual(0);
  for (const sec of cluster.secondaries) expect(await soaSerial(sec)).toBe(done.body.serial);
  // Reads pass through without a change id.
  expect((await viaProxy("GET", `/zones/${ZONE}`)).changeId).toBeNull();
});

test("PENDING while the secondaries cannot fetch the change, INSYNC once they can; wait-sync exits 1 then 0", async () => {
  await cluster.zoneProvider.stop();
  const patched = await setTxt("while the zone-provider is down");
  expect(patched.status).toBe(204);
  const id = patched.changeId!;
  const pending = await change(id, "?wait=1s");
  expect(pending.body.status).toBe("PENDING");
  expect(pending.body.secondaries.every((s) => !s.inSync && s.syncedAt === null)).toBe(true);

  const short = await runCommand("node", [CTL, "wait-sync", id, "--url", cluster.proxyUrl, "--timeout", "1s"]);
  expect(short.code).toBe(1);
  expect(short.stderr).toMatch(/still PENDING/);

  await cluster.restartDaemon("zone-provider");
  const waited = await runCommand("node", [CTL, "wait-sync", id, "--url", cluster.proxyUrl, "--timeout", "20s"]);
  expect(waited.stderr).toBe("");
  expect(waited.code).toBe(0);
  expect(waited.stdout).toMatch(new RegExp(`^${id} INSYNC after \\d+ ms: ${ZONE.replace(/\./g, "\\.")} serial \\d+; sec1=in sync, sec2=in sync`));
  expect((await change(id)).body.status).toBe("INSYNC");

  const unknown = await runCommand("node", [CTL, "wait-sync", "no-such-change", "--url", cluster.proxyUrl, "--timeout", "1s"]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/404: unknown or expired change id/);
  expect((await change("x", "?wait=soon")).status).toBe(400);
});

test("with one secondary stopped (inactive), INSYNC counts only the active one; the page shows it inactive", async () => {
  const [sec1, sec2] = cluster.secondaries as [LocalSecondary, LocalSecondary];
  await sec2.daemon.stop();
  // The api-proxy and the health-checker both call it inactive after 3 s without heartbeats.
  await waitFor(
    async () => {
      const page = (await (await fetch(`${cluster.healthCheckerUrl}/status/page.json`)).json()) as { secondaries: Array<{ id: string; active: boolean }> };
      return page.secondaries.some((s) => s.id === "sec2" && !s.active);
    },
    { timeoutMs: 10_000, intervalMs: 250, what: "sec2 inactive on the status page" },
  );
  await new Promise((r) => setTimeout(r, 500));
  const patched = await setTxt("with sec2 stopped");
  const done = await change(patched.changeId!, "?wait=10s");
  expect(done.body.status).toBe("INSYNC");
  expect(done.body.secondaries.map((s) => s.id)).toEqual(["sec1"]);
  expect(await soaSerial(sec1)).toBe(done.body.serial);

  const html = await (await fetch(`${cluster.healthCheckerUrl}/`)).text();
  expect(html).toMatch(/<title>pdns-distribute status<\/title>/);
  const page = (await (await fetch(`${cluster.healthCheckerUrl}/status/page.json`)).json()) as {
    secondaries: Array<{ id: string; active: boolean }>;
    zones: { rows: Array<{ zone: string; serial: number; cells: Record<string, { state: string }> }> };
    changes: Array<{ id: string; status: string; propagationMs: number | null }>;
  };
  expect(page.secondaries.map((s) => [s.id, s.active])).toEqual([
    ["sec1", true],
    ["sec2", false],
  ]);
  const row = page.zones.rows.find((r) => r.zone === ZONE)!;
  expect(row.serial).toBe(done.body.serial);
  expect(row.cells.sec1?.state).toBe("insync");
  expect(row.cells.sec2?.state).toBe("outdated"); // it missed the change while stopped
  expect(page.changes[0]).toMatchObject({ id: patched.changeId, status: "INSYNC" });

  // Back again: active, catches up (its durable consumer kept the event), and the change counts it in sync.
  await sec2.restart();
  await waitFor(async () => (await soaSerial(sec2)) === done.body.serial, { timeoutMs: 15_000, intervalMs: 200, what: "sec2 catches up" });
  await waitFor(async () => (await change(patched.changeId!)).body.secondaries.length === 2, { timeoutMs: 10_000, intervalMs: 200, what: "sec2 active again" });
  const after = await change(patched.changeId!, "?wait=5s");
  expect(after.body.status).toBe("INSYNC");
});
