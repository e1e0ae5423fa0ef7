#!/usr/bin/env node
// The demo: starts a local cluster, creates a zone through the api-proxy and shows both secondaries answering.
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

async function main(): Promise<void> {
  const once = process.argv.includes("--once");
  say("Starting nats-server, PowerDNS, api-proxy, zone-provider, health-checker and two secondaries …");
  const cluster = await startLocalCluster();
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
    say("Press Ctrl-C to stop.");
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? String(err)}\n`);
    await stop(1);
  }
}

void main();
