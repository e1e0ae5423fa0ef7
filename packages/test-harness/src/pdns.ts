// startPdns: a real PowerDNS Authoritative 4.7 (gsqlite3 backend, API on) on free loopback ports.

import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { runCommand } from "./command";
import type { CommandResult } from "./command";
import type { Daemon } from "./daemon";
import { freePort } from "./ports";
import { httpGetJson, probeTcp } from "./probes";
import { retryOnAddressInUse, startServerProcess } from "./server-process";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** Options of {@link startPdns}. */
export interface PdnsOptions {
  /** Loopback address for DNS and the webserver/API. */
  host: string;
  /** DNS port (UDP and TCP); `undefined` picks one free for both. */
  dnsPort: number | undefined;
  /** Webserver/API port; `undefined` picks a free one. */
  apiPort: number | undefined;
  /** API key; `undefined` generates a random one. */
  apiKey: string | undefined;
  /** PowerDNS `loglevel` (0-7; 4 = warnings, 6 = info, 7 = debug). */
  loglevel: number;
  /** Extra pdns.conf settings (`key: value`), appended after the generated ones. */
  extraConfig: Record<string, string | number | boolean>;
  /** Path of the SQLite schema shipped by pdns-backend-sqlite3. */
  schemaPath: string;
  /** Path or name of pdns_server. */
  binary: string;
  /** Path or name of pdnsutil. */
  pdnsutilBinary: string;
  /** Startup timeout in milliseconds. */
  startTimeoutMs: number;
}

/** Default {@link PdnsOptions}. */
export function defaultPdnsOptions(): PdnsOptions {
  return {
    host: "127.0.0.1",
    dnsPort: undefined,
    apiPort: undefined,
    apiKey: undefined,
    loglevel: 4,
    extraConfig: {},
    schemaPath: "/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql",
    binary: "pdns_server",
    pdnsutilBinary: "pdnsutil",
    startTimeoutMs: 15_000,
  };
}

/** A running PowerDNS started by {@link startPdns}. */
export interface Pdns {
  /** Webserver base URL, `http://127.0.0.1:<apiPort>` (the API lives under `/api/v1`). */
  readonly apiUrl: string;
  /** Value for the `X-API-Key` header. */
  readonly apiKey: string;
  /** Address DNS is served on. */
  readonly dnsHost: string;
  /** DNS port (UDP and TCP). */
  readonly dnsPort: number;
  /** Webserver/API port. */
  readonly apiPort: number;
  /** Temp dir holding everything below. */
  readonly dir: string;
  /** Directory holding `pdns.conf` (pass as `--config-dir`). */
  readonly configDir: string;
  /** The gsqlite3 database file. */
  readonly dbPath: string;
  /** Current child process (changes on restart). */
  readonly process: ChildProcess;
  /** Current daemon handle (changes on restart). */
  readonly daemon: Daemon;
  /** Output of all runs (restarts separated by a marker line). */
  logs(): string;
  /** Runs `pdnsutil --config-dir=<configDir> ...args` to completion (never rejects on non-zero exit). */
  pdnsutil(args: string[]): Promise<CommandResult>;
  /** Runs `pdns_control --config-dir=<configDir> ...args` (e.g. `["rping"]`, `["purge"]`). */
  pdnsControl(args: string[]): Promise<CommandResult>;
  /** Stops pdns_server (SIGTERM, SIGKILL after 5 s) and removes its temp dir. */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) without waiting. */
  kill(signal?: NodeJS.Signals): void;
  /** Stops pdns_server if running and starts it again with the same ports and database. */
  restart(): Promise<void>;
}

/**
 * The generated pdns.conf settings. Every key was checked against 4.7.3 (an unknown key makes
 * pdns_server exit with "Trying to set unknown setting"). All caches are off so that changes made
 * with pdnsutil or straight in the database are served at once: notably `dnssec-key-cache-ttl`,
 * without which a zone secured by `pdnsutil secure-zone` is served unsigned for up to 30 s.
 */
export function pdnsSettings(p: {
  host: string;
  dnsPort: number;
  apiPort: number;
  apiKey: string;
  dbPath: string;
  socketDir: string;
  loglevel: number;
}): Record<string, string | number | boolean> {
  return {
    launch: "gsqlite3",
    "gsqlite3-database": p.dbPath,
    "gsqlite3-dnssec": "yes",
    api: "yes",
    "api-key": p.apiKey,
    webserver: "yes",
    "webserver-address": p.host,
    "webserver-port": p.apiPort,
    "webserver-allow-from": "127.0.0.0/8",
    // Large zones are created with one POST of all their rrsets (tens of MB); PowerDNS' default is 2 MB.
    "webserver-max-bodysize": 128,
    "allow-axfr-ips": "127.0.0.0/8",
    "local-address": p.host,
    "local-port": p.dnsPort,
    "socket-dir": p.socketDir,
    daemon: "no",
    guardian: "no",
    "disable-syslog": "yes",
    "security-poll-suffix": "",
    loglevel: p.loglevel,
    "cache-ttl": 0,
    "negquery-cache-ttl": 0,
    "query-cache-ttl": 0,
    "zone-cache-refresh-interval": 0,
    "dnssec-key-cache-ttl": 0,
    "zone-metadata-cache-ttl": 0,
  };
}

function renderConf(settings: Record<string, string | number | boolean>): string {
  const lines = ["# generated by @pdns-distribute/test-harness"];
  for (const [key, value] of Object.entries(settings)) {
    lines.push(`${key}=${typeof value === "boolean" ? (value ? "yes" : "no") : value}`);
  }
  return lines.join("\n") + "\n";
}

async function createDatabase(dbPath: string, schemaPath: string): Promise<void> {
  const schema = await readFile(schemaPath, "utf8");
  const db = new Database(dbPath);
  try {
    db.exec(schema);
  } finally {
    db.close();
  }
}

/** Starts pdns_server with a fresh gsqlite3 database; resolves once the API and DNS over TCP answer. */
export async function startPdns(opts: Partial<PdnsOptions> = {}): Promise<Pdns> {
  const o: PdnsOptions = { ...defaultPdnsOptions(), ...opts };
  const dir = await makeTempDir("pdns");
  const configDir = join(dir, "etc");
  const socketDir = join(dir, "run");
  const dbPath = join(dir, "pdns.sqlite3");
  await mkdir(configDir);
  await mkdir(socketDir);
  await createDatabase(dbPath, o.schemaPath);
  const apiKey = o.apiKey ?? randomBytes(12).toString("hex");

  let dnsPort = 0;
  let apiPort = 0;
  const spawnOnce = (): Promise<Daemon> =>
    startServerProcess({
      daemon: { name: `pdns:${dnsPort}`, command: [o.binary, `--config-dir=${configDir}`] },
      ready: async () =>
        (await httpGetJson(`http://${o.host}:${apiPort}/api/v1/servers/localhost`, { "X-API-Key": apiKey }))
          ?.status === 200 && probeTcp(o.host, dnsPort),
      timeoutMs: o.startTimeoutMs,
    });

  const autoPorts = opts.dnsPort === undefined || opts.apiPort === undefined;
  let daemon = await retryOnAddressInUse(autoPorts ? 3 : 1, async () => {
    dnsPort = o.dnsPort ?? (await freePort(o.host, "both"));
    apiPort = o.apiPort ?? (await freePort(o.host));
    const settings = {
      ...pdnsSettings({ host: o.host, dnsPort, apiPort, apiKey, dbPath, socketDir, loglevel: o.loglevel }),
      ...o.extraConfig,
    };
    await writeFile(join(configDir, "pdns.conf"), renderConf(settings));
    return spawnOnce();
  });

  let previousLogs = "";
  const pdns: Pdns = {
    apiUrl: `http://${o.host}:${apiPort}`,
    apiKey,
    dnsHost: o.host,
    dnsPort,
    apiPort,
    dir,
    configDir,
    dbPath,
    get process() {
      return daemon.process;
    },
    get daemon() {
      return daemon;
    },
    logs: () => previousLogs + daemon.logs(),
    pdnsutil: (args) => runCommand(o.pdnsutilBinary, [`--config-dir=${configDir}`, ...args]),
    pdnsControl: (args) => runCommand("pdns_control", [`--config-dir=${configDir}`, ...args]),
    async stop() {
      await daemon.stop("SIGTERM", 5000);
      await removeTempDir(dir);
    },
    kill(signal = "SIGKILL") {
      daemon.kill(signal);
    },
    async restart() {
      await daemon.stop("SIGTERM", 5000);
      previousLogs += daemon.logs() + "\n--- restart ---\n";
      daemon = await spawnOnce();
    },
  };
  return pdns;
}
