// A whole local pdns-distribute cluster on loopback: nats-server, PowerDNS, the four daemons, N secondaries.
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runCommand } from "./command";
import { spawnDaemon } from "./daemon";
import type { Daemon } from "./daemon";
import { freePort } from "./ports";
import { startNatsServer } from "./nats-server";
import type { NatsServer } from "./nats-server";
import { startPdns } from "./pdns";
import type { Pdns } from "./pdns";
import { pdnsApi } from "./pdns-api";
import type { PdnsApi } from "./pdns-api";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** Absolute path of a daemon's built CLI (`pnpm run build` first). */
export function daemonCli(pkg: "api-proxy" | "zone-provider" | "health-checker" | "secondary-syncer"): string {
  return resolve(__dirname, "..", "..", pkg, "dist", "cli.js");
}

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Loopback addresses of the secondaries, one secondary each. */
  secondaryAddresses: string[];
  /** pino level of the daemons. */
  logLevel: string;
  /** Seconds between secondary heartbeats. */
  heartbeatIntervalS: number;
  /** Extra TOML appended to every secondary's config. */
  secondaryExtraToml: string;
}

/** Default {@link LocalClusterOptions}: two secondaries on 127.0.0.2 and 127.0.0.3. */
export function defaultLocalClusterOptions(): LocalClusterOptions {
  return { secondaryAddresses: ["127.0.0.2", "127.0.0.3"], logLevel: "info", heartbeatIntervalS: 1, secondaryExtraToml: "" };
}

/** One secondary of a local cluster. */
export interface LocalSecondary {
  id: string;
  address: string;
  port: number;
  configFile: string;
  dbPath: string;
  daemon: Daemon;
  /** Starts the secondary again (after a stop or kill) with the same config and database. */
  restart(): Promise<void>;
}

/** A running local cluster. */
export interface LocalCluster {
  dir: string;
  nats: NatsServer;
  pdns: Pdns;
  /** Base URL of the api-proxy (use it like PowerDNS' own API URL). */
  proxyUrl: string;
  /** PowerDNS API helpers that go through the api-proxy. */
  api: PdnsApi;
  /** Public and secret key files of the zone-provider. */
  publicKeyFile: string;
  secretKeyFile: string;
  apiProxy: Daemon;
  zoneProvider: Daemon;
  healthChecker: Daemon;
  secondaries: LocalSecondary[];
  /** Adds and starts one more secondary on `address`. */
  addSecondary(address: string): Promise<LocalSecondary>;
  stop(): Promise<void>;
}

function natsToml(url: string, level: string): string {
  return `[nats]\nservers = ["${url}"]\nreconnect_wait_ms = 250\n\n[log]\nlevel = "${level}"\n`;
}

/** Starts everything and waits until each daemon reports ready. Build the workspace first. */
export async function startLocalCluster(opts: Partial<LocalClusterOptions> = {}): Promise<LocalCluster> {
  const o = { ...defaultLocalClusterOptions(), ...opts };
  const dir = await makeTempDir("pdnsd-cluster-");
  const [nats, pdns] = await Promise.all([startNatsServer({ jetstream: true }), startPdns()]);
  const base = join(dir, "zone-signing");
  const keygen = await runCommand("node", [daemonCli("zone-provider"), "keygen", "--out", base]);
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);
  const common = natsToml(nats.url, o.logLevel);

  const proxyPort = await freePort("127.0.0.1");
  const proxyConf = join(dir, "api-proxy.toml");
  await writeFile(
    proxyConf,
    `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${proxyPort}\n\n[powerdns]\napi_url = "${pdns.apiUrl}"\n\n${common}`,
  );
  const providerConf = join(dir, "zone-provider.toml");
  await writeFile(
    providerConf,
    `[powerdns]\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n[signing]\nprivate_key_file = "${base}.key"\n\n${common}`,
  );
  const checkerConf = join(dir, "health-checker.toml");
  await writeFile(checkerConf, `[health]\ninactive_after_s = ${Math.max(3, o.heartbeatIntervalS * 3)}\n\n${common}`);

  const start = (name: string, pkg: Parameters<typeof daemonCli>[0], conf: string) =>
    spawnDaemon({ name, command: ["node", daemonCli(pkg), "--config", conf] });
  const apiProxy = start("api-proxy", "api-proxy", proxyConf);
  const zoneProvider = start("zone-provider", "zone-provider", providerConf);
  const healthChecker = start("health-checker", "health-checker", checkerConf);
  await Promise.all([
    apiProxy.waitForLog(/api-proxy listening/, 20_000),
    zoneProvider.waitForLog(/zone-provider ready/, 20_000),
    healthChecker.waitForLog(/health-checker ready/, 20_000),
  ]);

  const secondaries: LocalSecondary[] = [];
  const addSecondary = async (address: string): Promise<LocalSecondary> => {
    const id = `sec${secondaries.length + 1}`;
    const port = await freePort(address, "both");
    const configFile = join(dir, `${id}.toml`);
    const dbPath = join(dir, `${id}.sqlite3`);
    await writeFile(
      configFile,
      `[secondary]\nid = "${id}"\nheartbeat_interval_s = ${o.heartbeatIntervalS}\n\n` +
        `[dns]\nlisten_address = "${address}"\nlisten_port = ${port}\n\n` +
        `[storage]\ndatabase = "${dbPath}"\n\n[signing]\npublic_key_file = "${base}.pub"\n\n` +
        `[sync]\nrequest_timeout_ms = 5000\nmax_retry_delay_ms = 2000\n\n${common}\n${o.secondaryExtraToml}`,
    );
    const sec: LocalSecondary = {
      id,
      address,
      port,
      configFile,
      dbPath,
      daemon: start(id, "secondary-syncer", configFile),
      async restart() {
        if (sec.daemon.running()) await sec.daemon.stop();
        sec.daemon = start(id, "secondary-syncer", configFile);
        await sec.daemon.waitForLog(/answering DNS/, 20_000);
      },
    };
    secondaries.push(sec);
    await sec.daemon.waitForLog(/answering DNS/, 20_000);
    await sec.daemon.waitForLog(/connected to NATS/, 20_000);
    return sec;
  };
  for (const address of o.secondaryAddresses) await addSecondary(address);

  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  return {
    dir,
    nats,
    pdns,
    proxyUrl,
    api: pdnsApi({ apiUrl: proxyUrl, apiKey: pdns.apiKey }),
    publicKeyFile: `${base}.pub`,
    secretKeyFile: `${base}.key`,
    apiProxy,
    zoneProvider,
    healthChecker,
    secondaries,
    addSecondary,
    async stop() {
      await Promise.all([...secondaries.map((s) => s.daemon.stop()), apiProxy.stop(), zoneProvider.stop(), healthChecker.stop()]);
      await Promise.all([nats.stop(), pdns.stop()]);
      await removeTempDir(dir);
    },
  };
}
