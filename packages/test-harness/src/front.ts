// The SmartDNS / dproxy front on loopback: dnsdist → secondaries | pdns-recursor → stand-in internet, kept current by the front-sync.

import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { daemonCli } from "./cluster";
import type { LocalCluster } from "./cluster";
import { spawnDaemon } from "./daemon";
import type { Daemon } from "./daemon";
import { startDnsdist } from "./dnsdist";
import type { Dnsdist } from "./dnsdist";
import { startKnot } from "./knot";
import type { Knot } from "./knot";
import { freePort } from "./ports";
import { startRecursor } from "./recursor";
import type { Recursor } from "./recursor";
import { makeTempDir, removeTempDir } from "./temp-dir";

/** The dnsdist recipe's inputs. */
export interface FrontDnsdistRecipe {
  /** Secondaries' DNS addresses (`host:port`): the pool the distributed zones go to. */
  secondaries: string[];
  /** The recursor's address: everything else. */
  recursor: string;
  /** dproxy-style routes: domain (and its subdomains) → servers. */
  routes: Record<string, string[]>;
  /** Pool name of the secondaries (the front-sync's `[dnsdist] pool`). */
  pool: string;
}

/** docs/deploy/front-dnsdist.conf: the one dnsdist recipe, deployed as it is (docs/front.md) and run by the tests and bench. */
export const FRONT_DNSDIST_CONF = resolve(__dirname, "..", "..", "..", "docs", "deploy", "front-dnsdist.conf");

/** The line of the recipe file after which the recipe proper starts (above it: listen address, console, key). */
const RECIPE_START = /^-- ---- The recipe\b.*\n/m;

/**
 * The recipe's dnsdist.conf body (after listen address, console and key): `template` (the recipe file) below its
 * RECIPE_START line, with the test's secondaries, recursor address, routes and pool filled in.
 */
export function renderFrontDnsdistConfig(r: FrontDnsdistRecipe, template = readFileSync(FRONT_DNSDIST_CONF, "utf8")): string {
  const start = RECIPE_START.exec(template);
  if (!start) throw new Error(`${FRONT_DNSDIST_CONF}: no line "-- ---- The recipe ..." where the recipe starts`);
  const secondaries = r.secondaries.map((s, i) => `  {name="secondary${i + 1}", address="${s}"},`);
  const routes = Object.entries(r.routes).map(([domain, servers]) => `  ["${domain}"] = {${servers.map((s) => `"${s}"`).join(", ")}},`);
  let body = template.slice(start.index + start[0].length).replace(/^\n/, "");
  body = replaceOnce(body, "@SECONDARIES@\n", secondaries.map((l) => `${l}\n`).join(""));
  body = replaceOnce(body, 'address="127.0.0.1:5301"', `address="${r.recursor}"`);
  body = replaceOnce(body, "local routes = {\n}", ["local routes = {", ...routes, "}"].join("\n"));
  return body.replaceAll('"pdns-distribute"', `"${r.pool}"`);
}

/** `text` with its one occurrence of `what` replaced; throws when `what` is not there (the recipe file changed). */
function replaceOnce(text: string, what: string, by: string): string {
  const at = text.indexOf(what);
  if (at < 0) throw new Error(`${FRONT_DNSDIST_CONF}: ${JSON.stringify(what)} not found in the recipe`);
  return text.slice(0, at) + by + text.slice(at + what.length);
}

/** The recipe's recursor.conf settings: the internet (here a stand-in) for everything, the secondaries for the distributed zones. */
export function renderFrontRecursorSettings(internet: string, forwardZonesFile: string): string {
  return [
    "# The stand-in internet: a Knot server with a root zone (a real deployment leaves this out and uses the root hints).",
    `forward-zones-recurse=.=${internet}`,
    "# The distributed zones, forwarded (no recursion) to the secondaries; written by pdns-distribute-front-sync.",
    `forward-zones-file=${forwardZonesFile}`,
    "# Allow queries to loopback and private addresses (the secondaries and the stand-in internet are on 127.0.0.0/8).",
    "dont-query=",
    "# The stand-in root is unsigned; with the real root keep the default (dnssec=process).",
    "dnssec=process-no-validate",
    "threads=1",
  ].join("\n");
}

/** The front-sync's TOML for this front. */
export function renderFrontSyncConfig(o: {
  secondaryIds: string[];
  forwarders: string[];
  dnsdist: Dnsdist;
  forwardZonesFile: string;
  socketDir: string;
  pool: string;
  natsUrl: string;
  metricsPort: number;
}): string {
  const list = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
  return `[front]
secondaries = [${list(o.secondaryIds)}]
check_interval_s = 2

[dnsdist]
console_address = "${o.dnsdist.consoleHost}"
console_port = ${o.dnsdist.consolePort}
key_file = "${o.dnsdist.consoleKeyFile}"
pool = "${o.pool}"

[recursor]
forward_zones_file = "${o.forwardZonesFile}"
forwarders = [${list(o.forwarders)}]
socket_dir = "${o.socketDir}"

[nats]
servers = ["${o.natsUrl}"]

[metrics]
listen_address = "127.0.0.1"
listen_port = ${o.metricsPort}
`;
}

/** Records of the stand-in internet's root zone (a name "on the internet": www.external.test). */
export const FRONT_INTERNET_ZONE = `. 3600 IN SOA a.root-servers.test. hostmaster.root-servers.test. 1 3600 600 86400 60
. 3600 IN NS a.root-servers.test.
a.root-servers.test. 3600 IN A 127.0.0.1
www.external.test. 300 IN A 192.0.2.80
`;

/** Records of the dproxy route's upstream (corp.example.: reached only through the route). */
export const FRONT_ROUTE_ZONE = `corp.example. 3600 IN SOA ns.corp.example. hostmaster.corp.example. 1 3600 600 86400 60
corp.example. 3600 IN NS ns.corp.example.
ns.corp.example. 3600 IN A 127.0.0.1
host.corp.example. 300 IN A 198.51.100.7
a.b.corp.example. 300 IN A 198.51.100.8
`;

/** A running front. */
export interface LocalFront {
  dir: string;
  dnsdist: Dnsdist;
  recursor: Recursor;
  /** The stand-in internet (root zone) and the dproxy route's upstream. */
  internet: Knot;
  routeUpstream: Knot;
  frontSync: Daemon;
  frontSyncConfigFile: string;
  /** Base URL of the front-sync's Prometheus endpoint (`<url>/metrics`). */
  frontSyncMetricsUrl: string;
  forwardZonesFile: string;
  /** Starts the front-sync again (after a stop or kill). */
  restartFrontSync(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the whole front for `cluster` (its secondaries form the pool) and waits until the front-sync is ready. */
export async function startLocalFront(cluster: LocalCluster, pool = "pdns-distribute"): Promise<LocalFront> {
  const dir = await makeTempDir("front");
  await writeFile(join(dir, "root.zone"), FRONT_INTERNET_ZONE);
  await writeFile(join(dir, "corp.zone"), FRONT_ROUTE_ZONE);
  const [internet, routeUpstream] = await Promise.all([
    startKnot({ zones: [{ origin: ".", file: join(dir, "root.zone") }] }),
    startKnot({ zones: [{ origin: "corp.example.", file: join(dir, "corp.zone") }] }),
  ]);
  const started: Array<{ stop(): Promise<unknown> }> = [internet, routeUpstream];
  const cleanUp = async (err: unknown): Promise<never> => {
    await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
    await removeTempDir(dir);
    throw err;
  };
  try {
    return await startRest(cluster, pool, dir, internet, routeUpstream, started);
  } catch (err) {
    return cleanUp(err);
  }
}

async function startRest(
  cluster: LocalCluster,
  pool: string,
  dir: string,
  internet: Knot,
  routeUpstream: Knot,
  started: Array<{ stop(): Promise<unknown> }>,
): Promise<LocalFront> {
  const forwardZonesFile = join(dir, "forward-zones");
  await writeFile(forwardZonesFile, "");
  const recursor = await startRecursor({ settings: renderFrontRecursorSettings(`${internet.host}:${internet.port}`, forwardZonesFile) });
  started.push(recursor);
  const secondaries = cluster.secondaries.map((s) => `${s.address}:${s.port}`);
  const dnsdist = await startDnsdist({
    config: renderFrontDnsdistConfig({
      secondaries,
      recursor: `${recursor.host}:${recursor.port}`,
      routes: { "corp.example.": [`${routeUpstream.host}:${routeUpstream.port}`] },
      pool,
    }),
  });
  started.push(dnsdist);
  const frontSyncConfigFile = join(dir, "front-sync.toml");
  const metricsPort = await freePort("127.0.0.1");
  await writeFile(
    frontSyncConfigFile,
    renderFrontSyncConfig({
      secondaryIds: cluster.secondaries.map((s) => s.id),
      forwarders: secondaries,
      dnsdist,
      forwardZonesFile,
      socketDir: recursor.socketDir,
      pool,
      natsUrl: cluster.nats.url,
      metricsPort,
    }),
  );
  const startSync = async () => {
    const d = spawnDaemon({ name: "front-sync", command: ["node", daemonCli("front-sync"), "--config", frontSyncConfigFile] });
    await d.waitForLog(/front-sync ready/, 20_000);
    return d;
  };
  const front: LocalFront = {
    dir,
    dnsdist,
    recursor,
    internet,
    routeUpstream,
    frontSync: await startSync(),
    frontSyncConfigFile,
    frontSyncMetricsUrl: `http://127.0.0.1:${metricsPort}`,
    forwardZonesFile,
    async restartFrontSync() {
      if (front.frontSync.running()) await front.frontSync.stop();
      front.frontSync = await startSync();
    },
    async stop() {
      await front.frontSync.stop();
      await Promise.all([dnsdist.stop(), recursor.stop(), internet.stop(), routeUpstream.stop()]);
      await removeTempDir(dir);
    },
  };
  return front;
}
