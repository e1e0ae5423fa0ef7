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

/** What the config writers and starters of one cluster share. */
interface ClusterBase {
  o: LocalClusterOptions;
  dir: string;
  pdns: Pdns;
  /** Path of the zone-provider's key pair without its extension (`.key`, `.pub`). */
  keyBase: string;
  /** The `[nats]` and `[log]` tables, with `own` extra `[nats]` lines. */
  natsFor(own?: string): string;
}

/** Starts one daemon of the cluster from its config file. */
const startDaemon = (name: string, pkg: Parameters<typeof daemonCli>[0], conf: string): Daemon =>
  spawnDaemon({ name, command: ["node", daemonCli(pkg), "--config", conf] });

/** A `[metrics]` table on its own free port (the defaults would collide between clusters). */
const metricsToml = (port: number): string => `[metrics]\nlisten_address = "127.0.0.1"\nlisten_port = ${port}\n\n`;

/** The primary-side daemons' config files, and the ports they listen on. */
interface PrimaryConfigs {
  proxyConf: string;
  providerConf: string;
  checkerConf: string;
  proxyPort: number;
  proxyMetricsPort: number;
  providerMetricsPort: number;
  checkerHttpPort: number;
}

/** Writes the api-proxy's, zone-provider's and health-checker's config files, each on free ports. */
async function writePrimaryConfigs(b: ClusterBase): Promise<PrimaryConfigs> {
  const { o, dir, pdns } = b;
  const commonOf = (which: "api-proxy" | "zone-provider" | "health-checker") => b.natsFor(o.natsExtraTomlFor[which]);
  const extra = (which: keyof LocalClusterOptions["extraToml"]) => `\n${o.extraToml[which] ?? ""}\n`;
  const powerdns = `[powerdns]\napi_url = "${pdns.apiUrl}"\napi_key = "${pdns.apiKey}"\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n`;
  const c: PrimaryConfigs = {
    proxyConf: join(dir, "api-proxy.toml"),
    providerConf: join(dir, "zone-provider.toml"),
    checkerConf: join(dir, "health-checker.toml"),
    proxyPort: await freePort("127.0.0.1"),
    proxyMetricsPort: await freePort("127.0.0.1"),
    providerMetricsPort: await freePort("127.0.0.1"),
    checkerHttpPort: await freePort("127.0.0.1"),
  };
  await writeFile(
    c.proxyConf,
    // max_body_bytes as the harness PowerDNS' webserver-max-bodysize (128 MB): large zones are created in one request.
    `[proxy]\nlisten_address = "127.0.0.1"\nlisten_port = ${c.proxyPort}\nmax_body_bytes = ${128 * 1024 * 1024}\n\n` +
      `[powerdns]\napi_url = "${pdns.apiUrl}"\ndns_address = "${pdns.dnsHost}"\ndns_port = ${pdns.dnsPort}\n\n` +
      `[outbox]\ndatabase = "${join(dir, "api-proxy-outbox.sqlite3")}"\n\n` +
      `${metricsToml(c.proxyMetricsPort)}${commonOf("api-proxy")}${extra("api-proxy")}`,
  );
  await writeFile(
    c.providerConf,
    `${powerdns}[signing]\nprivate_key_file = "${b.keyBase}.key"\n\n${metricsToml(c.providerMetricsPort)}${commonOf("zone-provider")}${extra("zone-provider")}`,
  );
  // [powerdns] and [metrics] are set here: extraToml["health-checker"] must not repeat those tables.
  await writeFile(c.checkerConf, `${powerdns}${metricsToml(c.checkerHttpPort)}${commonOf("health-checker")}${extra("health-checker")}`);
  return c;
}

/** A function that adds and starts one secondary on an address, keeping `secondaries` in id order. */
function secondaryStarter(b: ClusterBase, secondaries: LocalSecondary[]): (address: string) => Promise<LocalSecondary> {
  const { o, dir } = b;
  let named = 0;
  return async (address) => {
    const id = `sec${++named}`;
    const port = await freePort(address, "both");
    const configFile = join(dir, `${id}.toml`);
    const dbPath = join(dir, `${id}.sqlite3`);
    const metricsPort = await freePort("127.0.0.1");
    await writeFile(
      configFile,
      `[secondary]\nid = "${id}"\nheartbeat_interval_s = ${o.heartbeatIntervalS}\n\n` +
        `[dns]\nlisten_address = "${address}"\nlisten_port = ${port}\n${o.secondaryDnsToml}\n\n` +
        `[storage]\ndatabase = "${dbPath}"\n\n[signing]\npublic_key_files = ["${b.keyBase}.pub"]\n\n` +
        `[sync]\nrequest_timeout_ms = 5000\nmax_retry_delay_ms = 2000\n${o.secondarySyncToml}\n\n${metricsToml(metricsPort)}${b.natsFor(o.natsExtraTomlFor.secondary?.(id))}\n${o.secondaryExtraToml}`,
    );
    const sec: LocalSecondary = {
      id,
      address,
      port,
      configFile,
      dbPath,
      metricsUrl: `http://127.0.0.1:${metricsPort}`,
      daemon: startDaemon(id, "secondary-syncer", configFile),
      async restart() {
        if (sec.daemon.running()) await sec.daemon.stop();
        sec.daemon = startDaemon(id, "secondary-syncer", configFile);
        await sec.daemon.waitForLog(/answering DNS/, 20_000);
      },
    };
    secondaries.push(sec);
    secondaries.sort((x, y) => secondaryNumber(x) - secondaryNumber(y));
    await sec.daemon.waitForLog(/answering DNS/, 20_000);
    await sec.daemon.waitForLog(/connected to NATS/, 20_000);
    return sec;
  };
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
  const keyBase = join(dir, "zone-signing");
  const keygen = await runCommand("node", [daemonCli("zone-provider"), "keygen", "--out", keyBase]);
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);
  const natsFor = (own = "") => natsToml(natsUrls, o.logLevel, replicas, own === "" ? o.natsExtraToml : `${o.natsExtraToml}\n${own}`);
  const b: ClusterBase = { o, dir, pdns, keyBase, natsFor };
  const c = await writePrimaryConfigs(b);

  const apiProxy = startDaemon("api-proxy", "api-proxy", c.proxyConf);
  const zoneProvider = startDaemon("zone-provider", "zone-provider", c.providerConf);
  const healthChecker = startDaemon("health-checker", "health-checker", c.checkerConf);
  await Promise.all([
    apiProxy.waitForLog(/api-proxy listening/, 20_000),
    zoneProvider.waitForLog(/zone-provider ready/, 20_000),
    healthChecker.waitForLog(/health-checker ready/, 20_000),
  ]);
  const secondaries: LocalSecondary[] = [];
  const addSecondary = secondaryStarter(b, secondaries);
  await forEachLimited(o.secondaryAddresses, o.secondaryStartConcurrency, addSecondary);

  const proxyUrl = `http://127.0.0.1:${c.proxyPort}`;
  const cluster: LocalCluster = {
    dir,
    nats,
    natsCluster,
    pdns,
    proxyUrl,
    api: pdnsApi({ apiUrl: proxyUrl, apiKey: pdns.apiKey }),
    publicKeyFile: `${keyBase}.pub`,
    secretKeyFile: `${keyBase}.key`,
    apiProxy,
    zoneProvider,
    healthChecker,
    healthCheckerConfigFile: c.checkerConf,
    healthCheckerUrl: `http://127.0.0.1:${c.checkerHttpPort}`,
    zoneProviderMetricsUrl: `http://127.0.0.1:${c.providerMetricsPort}`,
    apiProxyMetricsUrl: `http://127.0.0.1:${c.proxyMetricsPort}`,
    secondaries,
    addSecondary,
    async restartDaemon(which) {
      const fields = {
        "api-proxy": ["apiProxy", c.proxyConf, /api-proxy listening/],
        "zone-provider": ["zoneProvider", c.providerConf, /zone-provider ready/],
        "health-checker": ["healthChecker", c.checkerConf, /health-checker ready/],
      } as const;
      const [field, conf, ready] = fields[which];
      if (cluster[field].running()) await cluster[field].stop();
      const daemon = startDaemon(which, which, conf);
      cluster[field] = daemon;
      await daemon.waitForLog(ready, 20_000);
      return daemon;
    },
    async stop() {
      await Promise.all([
        ...secondaries.map((sec) => sec.daemon.stop()),
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
