// The status page end to end: Debian's chromium (headless, playwright-core) shows both secondaries and the zone in sync.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { startLocalCluster } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";
import type { ChangeStatus } from "@pdns-distribute/core";

const OUT = join(__dirname, "..", "test-output");
const ZONE = "page.example.";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let cluster: LocalCluster;
let browser: BrowserContext | undefined;
let profile: string;

/** A PowerDNS API call through the api-proxy; returns the change id. */
async function viaProxy(method: string, path: string, body: unknown): Promise<string> {
  const res = await fetch(`${cluster.proxyUrl}/api/v1/servers/localhost${path}`, {
    method,
    headers: { "X-API-Key": cluster.pdns.apiKey, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
  return res.headers.get("x-change-id") as string;
}

async function waitInSync(id: string): Promise<ChangeStatus> {
  const s = (await (await fetch(`${cluster.proxyUrl}/changes/${id}?wait=10s`)).json()) as ChangeStatus;
  expect(s.status).toBe("INSYNC");
  return s;
}

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), "pdnsd-chromium-"));
  [cluster, browser] = await Promise.all([
    startLocalCluster(),
    chromium.launchPersistentContext(profile, { executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  rmSync(profile, { recursive: true, force: true });
});

test("the page shows both secondaries active, the zone in sync on both, the change INSYNC, and refreshes itself", async () => {
  const created = await waitInSync(await viaProxy("POST", "/zones", { name: ZONE, kind: "Native", nameservers: ["ns1.example.net."] }));

  const page = await browser!.newPage();
  await page.goto(`${cluster.healthCheckerUrl}/`);
  await page.waitForSelector("body[data-loaded=true]", { timeout: 10_000 });
  for (const id of ["sec1", "sec2"]) {
    await page.waitForSelector(`#secondaries tr[data-secondary="${id}"][data-active="true"]`, { timeout: 10_000 });
    await page.waitForSelector(`#zones tr[data-zone="${ZONE}"] td[data-secondary="${id}"][data-state="insync"]`, { timeout: 10_000 });
  }
  expect(await page.locator(`#changes tr[data-change="${created.id}"]`).innerText()).toMatch(/INSYNC/);
  expect(await page.locator("td.outdated, td.missing").count()).toBe(0);

  // A change made while the page is open appears without a reload.
  const changed = await waitInSync(
    await viaProxy("PATCH", `/zones/${ZONE}`, {
      rrsets: [{ name: `www.${ZONE}`, type: "A", ttl: 60, changetype: "REPLACE", records: [{ content: "192.0.2.80", disabled: false }] }],
    }),
  );
  await page.waitForSelector(`#changes tr[data-change="${changed.id}"]`, { timeout: 10_000 });
  await page.waitForFunction(
    ([zone, serial]) => document.querySelector(`#zones tr[data-zone="${zone}"] td:nth-child(2)`)?.textContent === String(serial),
    [ZONE, changed.serial] as const,
    { timeout: 10_000 },
  );
  expect(await page.locator(`#changes tr[data-change="${changed.id}"]`).innerText()).toMatch(/INSYNC/);

  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, "status-page.png"), fullPage: true });
  writeFileSync(
    join(OUT, "change-tracking-propagation.json"),
    JSON.stringify({ create: created.propagationMs, patch: changed.propagationMs, secondaries: changed.secondaries }, null, 2) + "\n",
  );
});
