#!/usr/bin/env node
// The demo: starts a local cluster, creates a zone through the api-proxy and shows both secondaries answering.
import { resolve } from "node:path";
import { runCommand } from "./command";
import { dig } from "./dig";
import { startLocalCluster } from "./cluster";
import type { LocalCluster } from "./cluster";
import { waitFor } from "./wait";

const ZONE = "demo.example.";
const say = (s: string) => process.stdout.write(`${s}\n`);

async function showAnswers(cluster: LocalCluster, qname: string, qtype: string): Promise<void> {
  for (const sec of cluster.secondaries) {
    for (const tcp of [false, true]) {
      const r = await dig({ server: sec.address, port: sec.port, qname, qtype, tcp });
      say(
        `  dig @${sec.address} -p ${sec.port} ${qname} ${qtype}${tcp ? " +tcp" : ""}`.padEnd(62) +
          ` → ${r.status} [${r.flags.join(" ")}] ${r.answer.join(" | ") || "(no answer)"}`,
      );
    }
  }
}

async function waitAll(cluster: LocalCluster, qname: string, qtype: string, want: string): Promise<number> {
  const started = Date.now();
  await Promise.all(
    cluster.secondaries.map((sec) =>
      waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname, qtype })).answer.some((l) => l.endsWith(want)), {
        timeoutMs: 20_000,
        intervalMs: 10,
        what: `${sec.id} answering ${qname} ${qtype} ${want}`,
      }),
    ),
  );
  return Date.now() - started;
}

/** The demo's health-checker compares soon after each event and every 10 s (defaults: 5 s and 300 s). */
const DEMO_CHECKS_TOML = "[checks]\nperiodic_interval_s = 10\nevent_check_delay_s = 1\n";

/** The operator CLI (`pdns-distribute` once installed from the .deb). */
const CTL = resolve(__dirname, "..", "..", "ctl", "dist", "cli.js");

/** Where to watch the cluster: the status page, every metrics endpoint and the operator CLI. */
function showWatchPoints(cluster: LocalCluster): void {
  say("\nWatch it (each daemon serves Prometheus metrics at <url>/metrics):");
  say(`  status page   ${cluster.healthCheckerUrl}/   (health-checker: secondaries, zones, changes; JSON: ${cluster.healthCheckerUrl}/status)`);
  say(`  metrics       api-proxy ${cluster.apiProxyMetricsUrl}/metrics`);
  say(`                zone-provider ${cluster.zoneProviderMetricsUrl}/metrics`);
  say(`                health-checker ${cluster.healthCheckerUrl}/metrics`);
  for (const s of cluster.secondaries) say(`                ${s.id} ${s.metricsUrl}/metrics`);
  say(`  CLI           node ${CTL} -s ${cluster.nats.url} status   (installed: pdns-distribute status)`);
}

/** Runs `pdns-distribute status` against the cluster and prints its table, once the checker has compared. */
async function showStatus(cluster: LocalCluster): Promise<void> {
  // The health-checker compares after each event: wait (bounded) until it has seen every secondary in sync.
  await waitFor(
    async () => {
      const r = await fetch(`${cluster.healthCheckerUrl}/status`);
      const body = (await r.json()) as { secondaries?: Array<{ inSync: number | null; outdated: number | null }> };
      return (body.secondaries ?? []).length > 0 && (body.secondaries ?? []).every((s) => (s.inSync ?? 0) >= 1 && s.outdated === 0);
    },
    { timeoutMs: 15_000, intervalMs: 200, what: "the health-checker seeing every secondary in sync" },
  ).catch(() => undefined);
  say(`\nWhat the health-checker sees (the demo compares every 10 s; default 300 s, and 5 s after each event):`);
  say(`$ pdns-distribute -s ${cluster.nats.url} status`);
  const r = await runCommand("node", [CTL, "-s", cluster.nats.url, "status"], 20_000);
  for (const line of (r.stdout + r.stderr).trimEnd().split("\n")) say(`  ${line}`);
}

/** Prints the metric lines of one secondary that show what it serves and answers. */
async function showMetrics(cluster: LocalCluster): Promise<void> {
  const sec = cluster.secondaries[0];
  if (!sec) return;
  say(`\n$ curl -s ${sec.metricsUrl}/metrics | grep -E '^pdnsd_(zones_served|dns_queries_total)'   (first lines)`);
  const lines = (await (await fetch(`${sec.metricsUrl}/metrics`)).text()).split("\n");
  const served = lines.filter((l) => l.startsWith("pdnsd_zones_served"));
  const queries = lines.filter((l) => l.startsWith("pdnsd_dns_queries_total")).slice(0, 4);
  for (const line of [...served, ...queries]) say(`  ${line}`);
}

async function main(): Promise<void> {
  const once = process.argv.includes("--once");
  say("Starting nats-server, PowerDNS, api-proxy, zone-provider, health-checker and two secondaries …");
  let cluster: LocalCluster;
  try {
    cluster = await startLocalCluster({ extraToml: { "health-checker": DEMO_CHECKS_TOML } });
  } catch (err) {
    process.stderr.write(`demo failed: the cluster did not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("\nStopping the cluster …");
    await cluster.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  try {
    say(`  NATS          ${cluster.nats.url}`);
    say(`  PowerDNS API  ${cluster.pdns.apiUrl} (hidden primary, DNS on ${cluster.pdns.dnsHost}:${cluster.pdns.dnsPort})`);
    say(`  api-proxy     ${cluster.proxyUrl}   (X-API-Key: ${cluster.pdns.apiKey})`);
    for (const s of cluster.secondaries) say(`  secondary     ${s.id} answering DNS on ${s.address}:${s.port}`);
    showWatchPoints(cluster);

    say(`\nCreating ${ZONE} through the api-proxy …`);
    await cluster.api.createZone(ZONE, {
      nameservers: [`ns1.${ZONE}`, `ns2.${ZONE}`],
      rrsets: [
        { name: `www.${ZONE}`, type: "A", ttl: 300, records: ["192.0.2.10"] },
        { name: ZONE, type: "MX", ttl: 300, records: [`10 mail.${ZONE}`] },
        { name: `mail.${ZONE}`, type: "A", ttl: 300, records: ["192.0.2.25"] },
        { name: ZONE, type: "TXT", ttl: 300, records: ['"hello from pdns-distribute"'] },
      ],
    });
    const created = await waitAll(cluster, `www.${ZONE}`, "A", "192.0.2.10");
    say(`Both secondaries answer (${created} ms after the API call returned):`);
    await showAnswers(cluster, `www.${ZONE}`, "A");
    await showAnswers(cluster, ZONE, "MX");
    await showAnswers(cluster, ZONE, "TXT");
    await showAnswers(cluster, `nope.${ZONE}`, "A");

    say(`\nChanging www.${ZONE} to 192.0.2.20 with a PATCH through the api-proxy …`);
    await cluster.api.patchRRset(ZONE, { name: `www.${ZONE}`, type: "A", ttl: 300, records: ["192.0.2.20"], changetype: "REPLACE" });
    const changed = await waitAll(cluster, `www.${ZONE}`, "A", "192.0.2.20");
    say(`Both secondaries answer the change (${changed} ms after the API call returned):`);
    await showAnswers(cluster, `www.${ZONE}`, "A");
    await showStatus(cluster);
    await showMetrics(cluster);

    if (once) {
      await stop(0);
      return;
    }
    say("\nThe cluster keeps running. Try for example:");
    const s = cluster.secondaries[0];
    if (s) say(`  dig @${s.address} -p ${s.port} www.${ZONE} A`);
    say(
      `  curl -s -X PATCH -H 'X-API-Key: ${cluster.pdns.apiKey}' ${cluster.proxyUrl}/api/v1/servers/localhost/zones/${ZONE} \\\n` +
        `    -d '{"rrsets":[{"name":"api.${ZONE}","type":"A","ttl":60,"changetype":"REPLACE","records":[{"content":"192.0.2.30","disabled":false}]}]}'`,
    );
    say(`  open ${cluster.healthCheckerUrl}/ in a browser (the status page), or: node ${CTL} -s ${cluster.nats.url} status`);
    say("Press Ctrl-C to stop.");
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    await stop(1);
  }
}

void main();
