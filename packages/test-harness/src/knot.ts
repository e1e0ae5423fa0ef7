// startKnot: a Knot DNS (knotd) authoritative reference server on a free loopback port, own config in a temp dir.

import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Daemon } from "./daemon";
import { dig } from "./dig";
import { freePort } from "./ports";
import { probeTcp } from "./probes";
import { retryOnAddressInUse, startServerProcess } from "./server-process";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** A zone for {@link startKnot}: its origin and the path of its zone file (copied into the temp dir). */
export interface KnotZone {
  origin: string;
  file: string;
}

/** Options of {@link startKnot}. */
export interface KnotOptions {
  /** Loopback address to listen on. */
  host: string;
  /** Port (UDP and TCP); picked free when undefined. */
  port: number | undefined;
  /** Zones to serve. */
  zones: KnotZone[];
  /** UDP and TCP worker threads (1 for reproducible single-core benchmarks). */
  workers: number;
  /** Allow AXFR from loopback. */
  allowTransfer: boolean;
  /** knotd executable. */
  binary: string;
  /** NSID to send when asked (RFC 5001, `server.nsid`); undefined: none. */
  nsid: string | undefined;
  /**
   * DNS cookies with this fixed server secret (32 hex digits, RFC 9018; Knot's mod-cookies, which then answers UDP
   * queries without a valid server cookie with BADCOOKIE); undefined: no cookies.
   */
  cookieSecret: string | undefined;
  startTimeoutMs: number;
}

/** Default {@link KnotOptions}. */
export function defaultKnotOptions(): KnotOptions {
  return {
    host: "127.0.0.1",
    port: undefined,
    zones: [],
    workers: 1,
    allowTransfer: false,
    binary: "knotd",
    nsid: undefined,
    cookieSecret: undefined,
    startTimeoutMs: 15_000,
  };
}

/** A running knotd. */
export interface Knot {
  host: string;
  port: number;
  dir: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

/** The knot.conf for `zones` (file names relative to the storage dir); semantic checks off to serve test corpora. */
export function renderKnotConfig(o: KnotOptions, dir: string, port: number, files: string[]): string {
  const lines = [
    "server:",
    `    rundir: "${dir}"`,
    `    listen: ${o.host}@${port}`,
    `    udp-workers: ${o.workers}`,
    `    tcp-workers: ${o.workers}`,
    "    background-workers: 1",
    ...(o.nsid === undefined ? [] : [`    nsid: "${o.nsid}"`]),
    "log:",
    "  - target: stderr",
    "    any: warning",
    "database:",
    `    storage: "${dir}"`,
    "acl:",
    "  - id: loopback_xfr",
    "    address: [127.0.0.0/8, ::1]",
    "    action: transfer",
    ...(o.cookieSecret === undefined ? [] : ["mod-cookies:", "  - id: fixed", `    secret: 0x${o.cookieSecret}`]),
    "template:",
    "  - id: default",
    `    storage: "${dir}"`,
    "    zonefile-sync: -1",
    "    zonefile-load: whole",
    "    journal-content: none",
    "    semantic-checks: off",
    ...(o.cookieSecret === undefined ? [] : ["    global-module: mod-cookies/fixed"]),
    ...(o.allowTransfer ? ["    acl: loopback_xfr"] : []),
    "zone:",
  ];
  o.zones.forEach((z, i) => lines.push(`  - domain: ${z.origin}`, `    file: "${files[i]}"`));
  return lines.join("\n") + "\n";
}

/** True once every zone's SOA is answered authoritatively (Knot loads zones after opening its sockets). */
async function zonesLoaded(host: string, port: number, zones: KnotZone[]): Promise<boolean> {
  if (!(await probeTcp(host, port))) return false;
  for (const z of zones) {
    const r = await dig({ server: host, port, qname: z.origin, qtype: "SOA", tcp: true });
    if (r.status !== "NOERROR" || !r.flags.includes("aa")) return false;
  }
  return true;
}

/** Starts knotd serving `zones`; resolves once every zone's SOA is answered. */
export async function startKnot(opts: Partial<KnotOptions> = {}): Promise<Knot> {
  const o: KnotOptions = { ...defaultKnotOptions(), ...opts };
  const dir = await makeTempDir("knot");
  await mkdir(dir, { recursive: true });
  const files = o.zones.map((_, i) => `zone${i}.zone`);
  await Promise.all(o.zones.map((z, i) => copyFile(z.file, join(dir, files[i] as string))));
  let port = 0;
  const daemon = await retryOnAddressInUse(o.port === undefined ? 3 : 1, async () => {
    port = o.port ?? (await freePort(o.host, "both"));
    const conf = join(dir, "knot.conf");
    await writeFile(conf, renderKnotConfig(o, dir, port, files));
    return startServerProcess({
      daemon: { name: `knot:${port}`, command: [o.binary, "-c", conf] },
      ready: () => zonesLoaded(o.host, port, o.zones),
      timeoutMs: o.startTimeoutMs,
    });
  });
  return {
    host: o.host,
    port,
    dir,
    daemon,
    async stop() {
      await daemon.stop("SIGTERM", 5000);
      await removeTempDir(dir);
    },
  };
}
