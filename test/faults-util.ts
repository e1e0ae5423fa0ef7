// Helpers of the fault tests: record-for-record comparison of every secondary with the primary, change drivers.
import { createRequire } from "node:module";
import { join } from "node:path";
import { axfr, renderZoneText } from "@pdns-distribute/dns";
import { dig, pdnsApi, sleep } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary, PdnsApi } from "@pdns-distribute/test-harness";
import { storedZoneReader } from "@pdns-distribute/secondary-syncer";

/** Requires a client library from a package (they live in the packages, not at the root). */
export const fromPkg = (pkg: string) => createRequire(join(__dirname, "..", "packages", pkg, "package.json"));
/** better-sqlite3, to read a secondary's database read-only. */
export const Database = fromPkg("test-harness")("better-sqlite3") as typeof import("better-sqlite3");
/** @nats-io/jetstream, to publish test events. */
export const js = fromPkg("secondary-syncer")("@nats-io/jetstream") as typeof import("@nats-io/jetstream");

/** Every zone of the primary as canonical zone text, read by AXFR straight from PowerDNS. */
export async function primaryZoneTexts(cluster: LocalCluster): Promise<Map<string, string>> {
  const direct = pdnsApi({ apiUrl: cluster.pdns.apiUrl, apiKey: cluster.pdns.apiKey });
  const out = new Map<string, string>();
  for (const z of await direct.listZones()) {
    const records = await axfr({ host: cluster.pdns.dnsHost, port: cluster.pdns.dnsPort, zone: z.name, timeoutMs: 10_000 });
    out.set(z.name.toLowerCase(), renderZoneText(records));
  }
  return out;
}

/** What a secondary stored (its SQLite database, opened read-only; each base with its logged changes): zone → zone text. */
export function storedZoneTexts(sec: LocalSecondary): Map<string, string> {
  const db = new Database(sec.dbPath, { readonly: true, fileMustExist: true });
  try {
    return new Map(storedZoneReader(db).all().map((z) => [z.zone, z.zoneText]));
  } finally {
    db.close();
  }
}

/** SOA serial a secondary answers for `zone` over UDP, undefined when it does not answer for it. */
export async function servedSerial(sec: LocalSecondary, zone: string): Promise<number | undefined> {
  const r = await dig({ server: sec.address, port: sec.port, qname: zone, qtype: "SOA" });
  const soa = r.answer.find((l) => / IN SOA /.test(l));
  return soa === undefined ? undefined : Number(soa.split(/\s+/)[6]);
}

/**
 * Differences between the primary and each (running) secondary: zones missing, extra or whose stored
 * text differs record for record, and zones whose served SOA serial is not the primary's. Empty: equal.
 */
export async function diffWithPrimary(cluster: LocalCluster, secondaries = cluster.secondaries): Promise<string[]> {
  const primary = await primaryZoneTexts(cluster);
  const diffs: string[] = [];
  for (const sec of secondaries) {
    const stored = storedZoneTexts(sec);
    for (const [zone, text] of primary) {
      const held = stored.get(zone);
      if (held === undefined) diffs.push(`${sec.id}: ${zone} missing`);
      else if (held !== text) {
        const a = new Set(text.split("\n"));
        const b = new Set(held.split("\n"));
        const only = [...a].filter((l) => !b.has(l)).slice(0, 3);
        diffs.push(`${sec.id}: ${zone} differs (primary has ${JSON.stringify(only)} …)`);
      }
    }
    for (const zone of stored.keys()) if (!primary.has(zone)) diffs.push(`${sec.id}: ${zone} extra`);
    if (sec.daemon.running()) {
      for (const [zone, text] of primary) {
        const serial = Number(text.split("\n")[0]?.split(/\s+/)[6]);
        const served = await servedSerial(sec, zone);
        if (served !== serial) diffs.push(`${sec.id}: ${zone} served serial ${served}, primary ${serial}`);
      }
    }
  }
  return diffs;
}

/** Waits until every secondary equals the primary; throws with the remaining differences. */
export async function expectConverged(cluster: LocalCluster, timeoutMs = 30_000, secondaries = cluster.secondaries): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let diffs: string[] = [];
  for (;;) {
    diffs = await diffWithPrimary(cluster, secondaries).catch((err: unknown) => [`compare failed: ${(err as Error).message}`]);
    if (diffs.length === 0) return;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  throw new Error(`secondaries did not converge within ${timeoutMs} ms:\n${diffs.slice(0, 20).join("\n")}`);
}

/** Creates a small zone with an NS, an A and a TXT record. */
export async function createZone(api: PdnsApi, zone: string, extra: Array<{ name: string; type: string; ttl: number; records: string[] }> = []): Promise<void> {
  await api.createZone(zone, {
    nameservers: [`ns1.${zone}`],
    rrsets: [
      { name: `ns1.${zone}`, type: "A", ttl: 3600, records: ["192.0.2.1"] },
      { name: `ver.${zone}`, type: "TXT", ttl: 60, records: ['"0"'] },
      ...extra,
    ],
  });
}

/**
 * Sets `ver.<zone>` TXT to `value` (one PATCH: the primary bumps the serial by one). PowerDNS' sqlite
 * backend answers 500 when concurrent writes collide ("database is locked"): retried like a client would,
 * at most 40 times (no event is published for a failed change).
 */
export async function setVersion(api: PdnsApi, zone: string, value: number | string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await api.patchRRset(zone, { name: `ver.${zone}`, type: "TXT", ttl: 60, changetype: "REPLACE", records: [`"${value}"`] });
      return;
    } catch (err) {
      if (attempt >= 40 || !/ 500 /.test((err as Error).message)) throw err;
      await sleep(Math.min(500, 10 * attempt) + Math.floor(Math.random() * 50));
    }
  }
}

/** Runs `count` tasks with at most `concurrency` at a time; each gets its index. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  });
  await Promise.all(workers);
}

/** Log lines of a daemon (JSON) with `msg`, from line `from` on. */
export function logEntries(lines: string[], msg: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      const j = JSON.parse(line) as Record<string, unknown>;
      if (j.msg === msg) out.push(j);
    } catch {
      /* not JSON */
    }
  }
  return out;
}
