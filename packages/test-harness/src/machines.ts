// Real machines for tests: Debian roots booted by systemd-nspawn (systemd as PID 1), each in its own network namespace on a test LAN.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runCommand } from "./command";
import type { CommandResult } from "./command";
import { parseDigOutput } from "./dig";
import type { DigResult } from "./dig";
import type { Daemon } from "./daemon";
import { HarnessError, HarnessErrorCode } from "./errors";
import { registerChild } from "./registry";
import { startServerProcess } from "./server-process";
import { sleep, waitFor } from "./wait";

async function must(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  const r = await runCommand(cmd, args, timeoutMs);
  if (r.code !== 0) throw new HarnessError(HarnessErrorCode.CommandFailed, `${cmd} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** True when process `pid` still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes what an interrupted run left behind: network namespaces named `<prefix><pid>-…` and overlay mounts
 * under `<workParent>/<prefix><pid>-…` whose pid no longer runs. Returns what it removed.
 */
export async function sweepStaleMachines(prefix: string, workParent: string): Promise<string[]> {
  const stale = (name: string): boolean => {
    const m = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    return m !== null && !alive(Number(m[1]));
  };
  const removed: string[] = [];
  const mounts = readFileSync("/proc/self/mounts", "utf8").split("\n").map((l) => l.split(" ")[1] ?? "");
  for (const mount of mounts.filter((p) => p.startsWith(`${workParent}/`) && stale(p.slice(workParent.length + 1))).reverse()) {
    await runCommand("umount", ["-l", mount]);
    removed.push(mount);
  }
  for (const dir of existsSync(workParent) ? readdirSync(workParent).filter(stale) : []) {
    rmSync(join(workParent, dir), { recursive: true, force: true });
    removed.push(join(workParent, dir));
  }
  const namespaces = (await runCommand("ip", ["netns", "list"])).stdout.split("\n").map((l) => l.split(" ")[0] ?? "");
  for (const ns of namespaces.filter(stale)) {
    await runCommand("ip", ["netns", "del", ns]);
    removed.push(`netns ${ns}`);
  }
  return removed;
}

/** A LAN made of network namespaces: one holding a bridge, one per machine joined to it by a veth pair. */
export interface TestLan {
  /** Name prefix of every namespace of this LAN. */
  readonly prefix: string;
  /** Creates the namespace of machine `name` with `address` (CIDR, e.g. "10.77.0.2/24") on eth0; returns its path. */
  addMachine(name: string, address: string): Promise<string>;
  /** Runs `cmd` in the bridge's namespace, which has `bridgeAddress` (to reach every machine from the host). */
  exec(cmd: string[], timeoutMs?: number): Promise<CommandResult>;
  /** Starts the long-lived `cmd` in the bridge's namespace (e.g. a server the machines reach at `bridgeAddress`);
   * resolves once `ready()` does. */
  startDaemon(name: string, cmd: string[], ready: () => Promise<boolean>, timeoutMs?: number): Promise<Daemon>;
  /** Deletes every namespace it made (the veth pairs and the bridge go with them). */
  remove(): Promise<void>;
}

/** Makes a LAN whose bridge namespace is `<prefix>-lan` and has `bridgeAddress` (CIDR) on br0. */
export async function createTestLan(prefix: string, bridgeAddress: string): Promise<TestLan> {
  const made: string[] = [];
  const lan = `${prefix}-lan`;
  const add = async (ns: string): Promise<void> => {
    await runCommand("ip", ["netns", "del", ns]); // a leftover of an interrupted run
    await must("ip", ["netns", "add", ns]);
    made.push(ns);
    await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
  };
  await add(lan);
  await must("ip", ["-n", lan, "link", "add", "br0", "type", "bridge"]);
  await must("ip", ["-n", lan, "addr", "add", bridgeAddress, "dev", "br0"]);
  await must("ip", ["-n", lan, "link", "set", "br0", "up"]);
  return {
    prefix,
    async addMachine(name, address) {
      const ns = `${prefix}-${name}`;
      await add(ns);
      const port = `v-${name}`.slice(0, 15);
      await must("ip", ["-n", lan, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns]);
      await must("ip", ["-n", lan, "link", "set", port, "master", "br0", "up"]);
      await must("ip", ["-n", ns, "addr", "add", address, "dev", "eth0"]);
      await must("ip", ["-n", ns, "link", "set", "eth0", "up"]);
      return `/run/netns/${ns}`;
    },
    exec: (cmd, timeoutMs = 30_000) => runCommand("ip", ["netns", "exec", lan, ...cmd], timeoutMs),
    startDaemon: (name, cmd, ready, timeoutMs = 15_000) =>
      startServerProcess({ daemon: { name, command: ["ip", "netns", "exec", lan, ...cmd] }, ready, timeoutMs }),
    async remove() {
      for (const ns of made.splice(0).reverse()) await runCommand("ip", ["netns", "del", ns]);
    },
  };
}

/** How to make a {@link Machine}. */
export interface MachineOptions {
  /** Machine (and host) name. */
  name: string;
  /** Its address on the LAN, without prefix length. */
  address: string;
  /** Unpacked pristine root (overlay lower layer, never written). */
  lowerDir: string;
  /** Directory for this machine's overlay layers and console log. */
  workDir: string;
  /** Path of the network namespace to join (from {@link TestLan.addMachine}). */
  netnsPath: string;
}

/** Options of {@link Machine.run}. */
export interface RunOptions {
  /** Environment variables besides PATH, HOME, LANG. */
  env: Record<string, string>;
  /** Working directory inside the machine. */
  cwd: string;
  /** Kill after this many milliseconds. */
  timeoutMs: number;
}

/** A booted Debian machine (systemd-nspawn, systemd as PID 1). Files are reachable from the host under `root`. */
export interface Machine {
  /** Machine and host name. */
  readonly name: string;
  /** LAN address. */
  readonly address: string;
  /** The machine's root directory as seen from the host (the overlay's merged view). */
  readonly root: string;
  /** Runs a bash script inside (`bash -e -o pipefail`), like an operator's root shell. */
  run(script: string, opts?: Partial<RunOptions>): Promise<CommandResult>;
  /** {@link run}, throwing with the output when the script fails; resolves with stdout. */
  sh(script: string, opts?: Partial<RunOptions>): Promise<string>;
  /** Writes a file inside the machine (parents created). */
  writeFile(path: string, content: string | Buffer, mode?: number): void;
  /** Reads a file inside the machine. */
  readFile(path: string): string;
  /** Boots it (again) and waits until `systemctl is-system-running` says running or degraded; returns the ms taken. */
  boot(): Promise<number>;
  /** Powers it off (SIGTERM to systemd-nspawn: systemd shuts down cleanly); SIGKILL to it and its init after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Stops it (SIGKILL after 3 s: nothing inside matters any more) and removes its overlay. */
  destroy(): Promise<void>;
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Pid of the container's init: the child of the systemd-nspawn process named "systemd". */
function initPidOf(nspawnPid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${nspawnPid}/task/${nspawnPid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    return kids.find((k) => existsSync(`/proc/${k}/comm`) && readFileSync(`/proc/${k}/comm`, "utf8").trim() === "systemd");
  } catch {
    return undefined;
  }
}

/** Runs `script` with bash in the machine's namespaces (nsenter), with a clean root environment. */
function runInside(pid: number, script: string, o: RunOptions): Promise<CommandResult> {
  const env = ["PATH=" + PATH, "HOME=/root", "LANG=C.UTF-8", "USER=root", "LOGNAME=root", ...Object.entries(o.env).map(([k, v]) => `${k}=${v}`)];
  const body = `cd ${JSON.stringify(o.cwd)}\n${script}`;
  return runCommand("nsenter", ["-t", String(pid), "-a", "/usr/bin/env", "-i", ...env, "/bin/bash", "-e", "-o", "pipefail", "-c", body], o.timeoutMs);
}

/** Mounts the overlay of a machine; returns the merged directory. */
async function mountOverlay(lowerDir: string, workDir: string): Promise<string> {
  const [upper, work, merged] = ["upper", "work", "merged"].map((d) => join(workDir, d)) as [string, string, string];
  for (const d of [upper, work, merged]) mkdirSync(d, { recursive: true });
  await must("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lowerDir},upperdir=${upper},workdir=${work}`, merged]);
  return merged;
}

/** Starts systemd-nspawn booting `root` in the machine's network namespace; its console goes to console.log. */
function startNspawn(o: MachineOptions, root: string): ChildProcess {
  const log = openSync(join(o.workDir, "console.log"), "a");
  const proc = spawn(
    "systemd-nspawn",
    ["--boot", "--register=no", "--keep-unit", "-q", "-D", root, "-M", o.name, `--network-namespace-path=${o.netnsPath}`],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log);
  registerChild(proc);
  return proc;
}

/** Waits for the container's systemd, then until it says running (or degraded); returns its pid. */
async function waitBooted(o: MachineOptions, nspawn: ChildProcess, running: () => boolean): Promise<number> {
  const pid = nspawn.pid as number;
  const exited = (): Promise<never> => Promise.reject(new Error(`systemd-nspawn for ${o.name} exited; see ${o.workDir}/console.log`));
  const init = await waitFor(() => (running() ? initPidOf(pid) : exited()), { timeoutMs: 30_000, intervalMs: 100, what: `${o.name}'s systemd` });
  await waitFor(
    async () => {
      const r = await runInside(init, "systemctl is-system-running || true", { env: {}, cwd: "/", timeoutMs: 10_000 });
      return /^(running|degraded)$/m.test(r.stdout);
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${o.name} booted (systemctl is-system-running)` },
  );
  return init;
}

/** SIGTERM to systemd-nspawn (the container powers off); after `timeoutMs`, SIGKILL to its init and to it. */
async function stopNspawn(proc: ChildProcess, initPid: number | undefined, timeoutMs: number): Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (done) return;
  // Killing the container's init ends its whole PID namespace; then systemd-nspawn exits too.
  for (const pid of [initPid, proc.pid]) {
    try {
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await exited;
}

/** Makes a machine on an overlay of `lowerDir` (not booted yet: call {@link Machine.boot}). */
export async function createMachine(o: MachineOptions): Promise<Machine> {
  const root = await mountOverlay(o.lowerDir, o.workDir);
  writeFileSync(join(root, "etc/hostname"), `${o.name}\n`);
  let nspawn: ChildProcess | undefined;
  let initPid: number | undefined;
  const defaults = (): RunOptions => ({ env: {}, cwd: "/root", timeoutMs: 120_000 });
  const running = (): boolean => nspawn !== undefined && nspawn.exitCode === null && nspawn.signalCode === null;

  const machine: Machine = {
    name: o.name,
    address: o.address,
    root,
    run(script, opts = {}) {
      if (!running() || initPid === undefined) {
        return Promise.reject(new HarnessError(HarnessErrorCode.CommandFailed, `machine ${o.name} is not running`));
      }
      return runInside(initPid, script, { ...defaults(), ...opts, env: { ...opts.env } });
    },
    async sh(script, opts = {}) {
      const r = await machine.run(script, opts);
      if (r.code !== 0) {
        throw new HarnessError(HarnessErrorCode.CommandFailed, `on ${o.name}, exit ${r.code}:\n${script}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`);
      }
      return r.stdout;
    },
    writeFile(path, content, mode = 0o644) {
      const p = join(root, path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content, { mode });
    },
    readFile: (path) => readFileSync(join(root, path), "utf8"),
    async boot() {
      const started = Date.now();
      nspawn = startNspawn(o, root);
      initPid = await waitBooted(o, nspawn, () => running());
      return Date.now() - started;
    },
    async stop(timeoutMs = 60_000) {
      if (nspawn && running()) await stopNspawn(nspawn, initPid, timeoutMs);
      initPid = undefined;
    },
    async destroy() {
      await machine.stop(3_000);
      await runCommand("umount", [root]);
      rmSync(o.workDir, { recursive: true, force: true });
    },
  };
  return machine;
}

/**
 * Asks `server` (an address on the LAN) with the host's `dig` from the LAN's bridge namespace, without recursion
 * unless `recurse` (as a stub resolver asks); undefined when no answer came.
 */
export async function digOnLan(lan: TestLan, server: string, qname: string, qtype: string, recurse = false): Promise<DigResult | undefined> {
  const rd = recurse ? "+recurse" : "+norecurse";
  const r = await lan.exec(["dig", `@${server}`, "-q", qname, "-t", qtype, rd, "+time=1", "+tries=1", "+nosplit"], 10_000);
  const parsed = parseDigOutput(r.stdout);
  return r.code === 0 && parsed.status ? parsed : undefined;
}
