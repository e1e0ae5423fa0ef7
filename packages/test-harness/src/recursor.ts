// startRecursor: a pdns_recursor on a free loopback port, own config dir and control socket in a temp dir.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCommand } from "./command";
import type { Daemon } from "./daemon";
import { freePort } from "./ports";
import { probeTcp } from "./probes";
import { retryOnAddressInUse, startServerProcess } from "./server-process";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** Options of {@link startRecursor}. */
export interface RecursorOptions {
  /** Loopback address to listen on. */
  host: string;
  /** Port (UDP and TCP); picked free when undefined. */
  port: number | undefined;
  /** The recipe: recursor.conf settings (`key=value` lines) after the harness' own (address, port, socket dir, no syslog). */
  settings: string;
  /** pdns_recursor and rec_control executables. */
  binary: string;
  recControl: string;
  startTimeoutMs: number;
}

/** Default {@link RecursorOptions}. */
export function defaultRecursorOptions(): RecursorOptions {
  return { host: "127.0.0.1", port: undefined, settings: "", binary: "pdns_recursor", recControl: "rec_control", startTimeoutMs: 15_000 };
}

/** A running pdns_recursor. */
export interface Recursor {
  host: string;
  port: number;
  /** Its config dir (recursor.conf) and `socket-dir` (for `rec_control --socket-dir`). */
  dir: string;
  socketDir: string;
  configFile: string;
  daemon: Daemon;
  /** Runs `rec_control --socket-dir=… <args>` and returns its output. */
  control(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** The harness' own settings: loopback address and port, control socket in `dir`, foreground, no syslog, no security polling. */
export function renderRecursorHead(host: string, port: number, dir: string): string {
  return [
    `local-address=${host}`,
    `local-port=${port}`,
    `socket-dir=${dir}`,
    "daemon=no",
    "disable-syslog=yes",
    "security-poll-suffix=",
    "",
  ].join("\n");
}

/** Starts pdns_recursor with `settings`; resolves once it answers `rec_control ping` and accepts TCP connections. */
export async function startRecursor(opts: Partial<RecursorOptions> = {}): Promise<Recursor> {
  const o: RecursorOptions = { ...defaultRecursorOptions(), ...opts };
  const dir = await makeTempDir("recursor");
  const configFile = join(dir, "recursor.conf");
  const control = async (...args: string[]) => {
    const r = await runCommand(o.recControl, [`--socket-dir=${dir}`, ...args], 10_000);
    if (r.code !== 0) throw new Error(`rec_control ${args.join(" ")}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  let port = 0;
  const daemon = await retryOnAddressInUse(o.port === undefined ? 3 : 1, async () => {
    port = o.port ?? (await freePort(o.host, "both"));
    await writeFile(configFile, renderRecursorHead(o.host, port, dir) + o.settings + "\n");
    return startServerProcess({
      daemon: { name: `recursor:${port}`, command: [o.binary, `--config-dir=${dir}`] },
      ready: async () => {
        await control("ping");
        return probeTcp(o.host, port);
      },
      timeoutMs: o.startTimeoutMs,
    });
  });
  return {
    host: o.host,
    port,
    dir,
    socketDir: dir,
    configFile,
    daemon,
    control,
    async stop() {
      await daemon.stop("SIGTERM", 5000);
      await removeTempDir(dir);
    },
  };
}
