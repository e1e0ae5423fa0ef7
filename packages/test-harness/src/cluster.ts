// A whole local pdns-distribute cluster on loopback: nats-server, PowerDNS, the four daemons, N secondaries.
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runCommand } from "./command";
import { spawnDaemon } from "./daemon";
import type { Daemon } from "./daemon";
import { freePort } from "./ports";
import { startNatsCluster } from "./nats-cluster";
import type { NatsCluster } from "./nats-cluster";
import { startNatsServer } from "./nats-server";
import type { NatsServer, NatsServerOptions } from "./nats-server";
import { startPdns } from "./pdns";
import type { Pdns } from "./pdns";
import { pdnsApi } from "./pdns-api";
import type { PdnsApi } from "./pdns-api";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** Absolute path of a daemon's built CLI (`pnpm run build` first). */
export function daemonCli(pkg: "api-proxy" | "zone-provider" | "health-checker" | "secondary-syncer" | "front-sync"): string {
  return resolve(__dirname, "..", "..", pkg, "dist", "cli.js");
}

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Loopback addresses of the secondaries, one secondary each. */
  secondaryAddresses: string[];
  /**
   * Secondaries started at once (each is a Node.js process that takes ~1 s of CPU to start): 1 starts them one
   * after the other; more makes many secondaries (fan-out benchmarks) start sooner. Ids and order stay those of
   * `secondaryAddresses`.
   */
  secondaryStartConcurrency: number;
  /** pino level of the daemons. */
  logLevel: string;
  /** Seconds between secondary heartbeats. */
  heartbeatIntervalS: number;
  /** Extra TOML appended to every secondary's config. */
  secondaryExtraToml: string;
  /** Extra `key = value` lines inside every secondary's `[dns]` section (e.g. `workers = 2`). */
  secondaryDnsToml: string;
  /** Extra `key = value` lines inside every secondary's `[sync]` section (e.g. `coalesce_max_window_ms = 2000`). */
  secondarySyncToml: string;
  /** NATS nodes: 1 = a single nats-server, 3 = a routed cluster with clustered JetStream. */
  natsNodes: number;
  /** JetStream replicas of the stream and buckets (`nats.replicas`); default: 3 on a 3-node cluster, else 1. */
  streamReplicas: number | undefined;
  /** Extra TOML appended to the config of the api-proxy, zone-provider and health-checker. */
  extraToml: Partial<Record<"api-proxy" | "zone-provider" | "health-checker", string>>;
  /** Options of the single nats-server (e.g. `extraConfig` with tls/authorization blocks). */
  natsServer: Partial<NatsServerOptions>;
  /** Extra `key = value` lines inside every daemon's `[nats]` section (auth, TLS). */
  natsExtraToml: string;
  /**
   * Extra `key = value` lines inside one daemon's `[nats]` section, after `natsExtraToml` (e.g. its own NATS
   * user); for secondaries a function of the secondary's id.
   */
  natsExtraTomlFor: Partial<Record<"api-proxy" | "zone-provider" | "health-checker", string>> & { secondary?: (id: string) => string };
}

/** Default {@link LocalClusterOptions}: two secondaries on 127.0.0.2 and 127.0.0.3. */
export function defaultLocalClusterOptions(): LocalClusterOptions {
  return {
    secondaryAddresses: ["127.0.0.2", "127.0.0.3"],
    secondaryStartConcurrency: 1,
    logLevel: "info",
    heartbeatIntervalS: 1,
    secondaryExtraToml: "",
    secondaryDnsToml: "",
    secondarySyncToml: "",
    natsNodes: 1,
    streamReplicas: undefined,
    extraToml: {},
    natsServer: {},
    natsExtraToml: "",
    natsExtraTomlFor: {},
  };
}

/** One secondary of a local cluster. */
export interface LocalSecondary {
  id: string;
  address: string;
  port: number;
  configFile: string;
  dbPath: string;
  /** Base URL of its Prometheus endpoint (`<metricsUrl>/metrics`). */
  metricsUrl: string;
  daemon: Daemon;
  /** Starts the secondary again (after a stop or kill) with the same config and database. */
  restart(): Promise<void>;
}

/** A running local cluster. */
export interface LocalCluster {
  dir: string;
  /** The (first) nats-server. */
  nats: NatsServer;
  /** The NATS cluster when `natsNodes` > 1. */
  natsCluster: NatsCluster | undefined;
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
  /** The health-checker's config file (copy it to start a second checker). */
  healthCheckerConfigFile: string;
  /** Base URL of the health-checker's metrics and status endpoint (`/metrics`, `/status`). */
  healthCheckerUrl: string;
  /** Base URL of the zone-provider's Prometheus endpoint (`<zoneProviderMetricsUrl>/metrics`). */
  zoneProviderMetricsUrl: string;
  /** Base URL of the api-proxy's Prometheus endpoint (`<apiProxyMetricsUrl>/metrics`). */
  apiProxyMetricsUrl: string;
  secondaries: LocalSecondary[];
  /** Adds and starts one more secondary on `address` (several calls may run at once: each gets its own id). */
  addSecondary(address: string): Promise<LocalSecondary>;
  /** Starts a primary-side daemon again (after a stop or kill) with the same config; updates the field. */
  restartDaemon(which: "api-proxy" | "zone-provider" | "health-checker"): Promise<Daemon>;
  stop(): Promise<void>;
}

/** Runs `fn` on each item, at most `concurrency` at a time; rejects with the first failure once all have ended. */
async function forEachLimited<T>(items: T[], concurrency: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** Secondary number of an id `sec<N>`, for ordering. */
const secondaryNumber = (s: LocalSecondary): number => Number(s.id.slice(3));

function natsToml(urls: string[], level: string, replicas: number, extraNats = ""): string {
  const servers = urls.map((u) => `"${u}"`).join(", ");
  return `[nats]\nservers = [${servers}]\nreplicas = ${replicas}\n${extraNats}\n\n[log]\nlevel = "${level}"\n`;
}

/** Starts everything and waits until each daemon reports ready. Build the workspace first. */
export async function startLocalCluster(opts: Partial<LocalClusterOptions> = {}): Promise<LocalCluster> {
  const o = { ...defaultLocalClusterOptions(), ...opts };
  const dir = await makeTempDir("pdnsd-cluster-");
  const [natsCluster, pdns] = await Promise.all([
    o.natsNodes > 1 ? startNatsCluster(o.natsNodes) : Promise.resolve(undefined),
    startPdns(),
  ]);
  const nats = natsCluster ? (natsCluster.servers[0] as NatsServer) : await startNatsServer({ jetstream: true, ...o.natsServer });
  const natsUrls = natsCluster ? natsCluster.servers.map((s) => s.url) : [nats.url];
  const replicas = o.streamReplicas ?? (o.natsNodes >= 3 ? 3 : 1);
  const base = join(dir, "zone-signing");
  const keygen = await runCommand("node", [daemonCli("zone-provider"), "keygen", "--out", base]);
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);
  const natsFor = (own = "") => natsToml(natsUrls, o.logLevel, replicas, own === "" ? o.natsExtraToml : `${o.natsExtraToml}\n${own}`);
  const commonOf = (which: "api-proxy" | "zone-provider" | "health-checker") => natsFor(o.natsExtraTomlFor[which]);
  const extra = (which: keyof LocalClusterOptions["extraToml"]) => `\n${o.extraToml[which] ?? ""}\n`;

  // Each daemon's Prometheus endpoint on its own free port (the defaults would collide between clusters).
  const metricsToml = async (port?: number) =>
    `[metrics]\nlisten_address = "127.0.0.1"\nlisten_port = ${port ?? (await freePort("127.0.0.1"))}\n\n`;
  const proxyPort = await freePort("127.0.0.1");
  const proxyConf = join(dir, "api-proxy.toml");
  const proxyMetricsPort = await freePort("127.0.0.1");
  await writeFile(
    proxyConf,
    // max_body_bytes as the harness PowerDNS' webserver-max-bodysize (128 MB): large zones are created in one request.
    `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${proxyPort}\nmax_body_bytes = ${128 * 1024 * 1024}\n\n` +
      `[powerdns]\napi_url = "${pdns.apiUrl}"\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n` +
      `[outbox]\ndatabase = "${join(dir, "api-proxy-outbox.sqlite3")}"\n\n` +
      `${await metricsToml(proxyMetricsPort)}${commonOf("api-proxy")}${extra("api-proxy")}`,
  );
  const providerConf = join(dir, "zone-provider.toml");
  const providerMetricsPort = await freePort("127.0.0.1");
  await writeFile(
    providerConf,
    `[powerdns]\napi_url = "${pdns.apiUrl}"\napi_key = "${pdns.apiKey}"\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n[signing]\nprivate_key_file = "${base}.key"\n\n${await metricsToml(providerMetricsPort)}${commonOf("zone-provider")}${extra("zone-provider")}`,
  );
  const checkerConf = join(dir, "health-checker.toml");
  const checkerHttpPort = await freePort("127.0.0.1");
  // [powerdns] and [metrics] are set here: extraToml["health-checker"] must not repeat those tables.
  await writeFile(
    checkerConf,
    `[powerdns]\napi_url = "${pdns.apiUrl}"\napi_key = "${pdns.apiKey}"\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n` +
      `[metrics]\nlisten_address = "127.0.0.1"\nlisten_port = ${checkerHttpPort}\n\n${commonOf("health-checker")}${extra("health-checker")}`,
  );

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
  let secondariesNamed = 0;
  const addSecondary = async (address: string): Promise<LocalSecondary> => {
    const id = `sec${++secondariesNamed}`;
    const port = await freePort(address, "both");
    const configFile = join(dir, `${id}.toml`);
    const dbPath = join(dir, `${id}.sqlite3`);
    const metricsPort = await freePort("127.0.0.1");
    await writeFile(
      configFile,
      `[secondary]\nid = "${id}"\nheartbeat_interval_s = ${o.heartbeatIntervalS}\n\n` +
        `[dns]\nlisten_address = "${address}"\nlisten_port = ${port}\n${o.secondaryDnsToml}\n\n` +
        `[storage]\ndatabase = "${dbPath}"\n\n[signing]\npublic_key_files = ["${base}.pub"]\n\n` +
        `[sync]\nrequest_timeout_ms = 5000\nmax_retry_delay_ms = 2000\n${o.secondarySyncToml}\n\n${await metricsToml(metricsPort)}${natsFor(o.natsExtraTomlFor.secondary?.(id))}\n${o.secondaryExtraToml}`,
    );
    const sec: LocalSecondary = {
      id,
      address,
      port,
      configFile,
      dbPath,
      metricsUrl: `http://127.0.0.1:${metricsPort}`,
      daemon: start(id, "secondary-syncer", configFile),
      async restart() {
        if (sec.daemon.running()) await sec.daemon.stop();
        sec.daemon = start(id, "secondary-syncer", configFile);
        await sec.daemon.waitForLog(/answering DNS/, 20_000);
      },
    };
    secondaries.push(sec);
    secondaries.sort((a, b) => secondaryNumber(a) - secondaryNumber(b));
    await sec.daemon.waitForLog(/answering DNS/, 20_000);
    await sec.daemon.waitForLog(/connected to NATS/, 20_000);
    return sec;
  };
  await forEachLimited(o.secondaryAddresses, o.secondaryStartConcurrency, addSecondary);

  const proxyUrl = `http://127.0.0.1:${proxyPort}`;
  const cluster: LocalCluster = {
    dir,
    nats,
    natsCluster,
    pdns,
    proxyUrl,
    api: pdnsApi({ apiUrl: proxyUrl, apiKey: pdns.apiKey }),
    publicKeyFile: `${base}.pub`,
    secretKeyFile: `${base}.key`,
    apiProxy,
    zoneProvider,
    healthChecker,
    healthCheckerConfigFile: checkerConf,
    healthCheckerUrl: `http://127.0.0.1:${checkerHttpPort}`,
    zoneProviderMetricsUrl: `http://127.0.0.1:${providerMetricsPort}`,
    apiProxyMetricsUrl: `http://127.0.0.1:${proxyMetricsPort}`,
    secondaries,
    addSecondary,
    async restartDaemon(which) {
      const fields = {
        "api-proxy": ["apiProxy", proxyConf, /api-proxy listening/],
        "zone-provider": ["zoneProvider", providerConf, /zone-provider ready/],
        "health-checker": ["healthChecker", checkerConf, /health-checker ready/],
      } as const;
      const [field, conf, ready] = fields[which];
      if (cluster[field].running()) await cluster[field].stop();
      const daemon = start(which, which, conf);
      cluster[field] = daemon;
      await daemon.waitForLog(ready, 20_000);
      return daemon;
    },
    async stop() {
      await Promise.all([
        ...secondaries.map((s) => s.daemon.stop()),
        cluster.apiProxy.stop(),
        cluster.zoneProvider.stop(),
        cluster.healthChecker.stop(),
      ]);
      await Promise.all([natsCluster ? natsCluster.stop() : nats.stop(), pdns.stop()]);
      await removeTempDir(dir);
    },
  };
  return cluster;
}
