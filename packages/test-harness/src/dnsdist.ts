// startDnsdist: a dnsdist on a free loopback port with its console on another, own config in a temp dir.

import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "./command";
import type { Daemon } from "./daemon";
import { freePort } from "./ports";
import { probeTcp } from "./probes";
import { retryOnAddressInUse, startServerProcess } from "./server-process";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** Options of {@link startDnsdist}. */
export interface DnsdistOptions {
  /** Loopback address to listen on. */
  host: string;
  /** Port (UDP and TCP); picked free when undefined. */
  port: number | undefined;
  /** The recipe: Lua after the harness' `setLocal`, `controlSocket`, `setKey` and `setSecurityPollSuffix("")` lines. */
  config: string;
  /** dnsdist executable. */
  binary: string;
  startTimeoutMs: number;
}

/** Default {@link DnsdistOptions}. */
export function defaultDnsdistOptions(): DnsdistOptions {
  return { host: "127.0.0.1", port: undefined, config: "", binary: "dnsdist", startTimeoutMs: 15_000 };
}

/** A running dnsdist. */
export interface Dnsdist {
  host: string;
  port: number;
  /** Console address and port, and the console key (base64, as in `setKey`). */
  consoleHost: string;
  consolePort: number;
  consoleKey: string;
  /** A file holding the console key (mode 0600), for the front-sync's `key_file`. */
  consoleKeyFile: string;
  /** The whole config file dnsdist runs with. */
  configFile: string;
  dir: string;
  daemon: Daemon;
  /** Runs Lua on the console with dnsdist's own client (`dnsdist -c -e`) and returns what it printed. */
  console(command: string): Promise<string>;
  /** Starts it again (after a stop or kill) with the same config and ports. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The head of the config: listen address, console, key, no security polling (nothing outside is reachable). */
export function renderDnsdistHead(host: string, port: number, consolePort: number, key: string): string {
  return [
    `setLocal("${host}:${port}")`,
    `controlSocket("${host}:${consolePort}")`,
    `setKey("${key}")`,
    `setSecurityPollSuffix("")`,
    "",
  ].join("\n");
}

/** Starts dnsdist with `config`; resolves once it accepts TCP DNS connections and console connections. */
export async function startDnsdist(opts: Partial<DnsdistOptions> = {}): Promise<Dnsdist> {
  const o: DnsdistOptions = { ...defaultDnsdistOptions(), ...opts };
  const dir = await makeTempDir("dnsdist");
  const key = randomBytes(32).toString("base64");
  const consoleKeyFile = join(dir, "console.key");
  await writeFile(consoleKeyFile, key + "\n", { mode: 0o600 });
  const configFile = join(dir, "dnsdist.conf");
  let port = 0;
  let consolePort = 0;
  const spawn = () =>
    startServerProcess({
      daemon: { name: `dnsdist:${port}`, command: [o.binary, "--supervised", "--disable-syslog", "-C", configFile] },
      ready: async () => (await probeTcp(o.host, port)) && probeTcp(o.host, consolePort),
      timeoutMs: o.startTimeoutMs,
    });
  let daemon = await retryOnAddressInUse(o.port === undefined ? 3 : 1, async () => {
    port = o.port ?? (await freePort(o.host, "both"));
    consolePort = await freePort(o.host);
    await writeFile(configFile, renderDnsdistHead(o.host, port, consolePort, key) + o.config + "\n");
    return spawn();
  });
  const dd: Dnsdist = {
    host: o.host,
    port,
    consoleHost: o.host,
    consolePort,
    consoleKey: key,
    consoleKeyFile,
    configFile,
    dir,
    get daemon() {
      return daemon;
    },
    async console(command) {
      const r = await runCommand(o.binary, ["-C", configFile, "-c", "-e", command]);
      if (r.code !== 0) throw new Error(`dnsdist console: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async restart() {
      if (daemon.running()) await daemon.stop("SIGTERM", 5000);
      daemon = await spawn();
    },
    async stop() {
      await daemon.stop("SIGTERM", 5000);
      await removeTempDir(dir);
    },
  };
  return dd;
}
