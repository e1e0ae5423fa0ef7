// Last-resort cleanup of child processes and temp dirs: an exit hook plus a watchdog process.
//
// `process.on("exit")` alone is not enough: inside Jest the test's `process` is a sandbox copy whose
// "exit" listeners never fire, and nothing runs when the test runner is SIGKILLed. So while anything is
// registered, a tiny detached watchdog ("reaper") holds a pipe from us; when the pipe closes because we
// died, it SIGKILLs the registered pids and removes the registered dirs. It exits when the registry empties.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const reaperPids = new Set<number>();
let reaper: ChildProcess | undefined;
let exitHookInstalled = false;

const REAPER_SOURCE = `// @pdns-distribute/test-harness reaper
process.title = "harness-reaper";
const pids = new Set(), dirs = new Set();
let buf = "";
const cleanup = () => {
  for (const p of pids) { try { process.kill(p, "SIGKILL"); } catch {} }
  for (const d of dirs) { try { require("fs").rmSync(d, { recursive: true, force: true }); } catch {} }
  process.exit(0);
};
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buf += chunk;
  for (let i; (i = buf.indexOf("\\n")) >= 0; ) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const arg = line.slice(3);
    if (line.startsWith("+p ")) pids.add(Number(arg));
    else if (line.startsWith("-p ")) pids.delete(Number(arg));
    else if (line.startsWith("+d ")) dirs.add(arg);
    else if (line.startsWith("-d ")) dirs.delete(arg);
  }
});
process.stdin.on("end", cleanup);
process.stdin.on("error", cleanup);
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(s, cleanup);
`;

/** True when the user asked to keep temp dirs for post-mortem (`HARNESS_KEEP=1`). */
export function keepTempDirs(): boolean {
  return process.env.HARNESS_KEEP === "1";
}

function tellReaper(line: string): void {
  if (!reaper) {
    const proc = spawn(process.execPath, ["-e", REAPER_SOURCE], { stdio: ["pipe", "ignore", "ignore"], detached: true });
    if (proc.pid === undefined || !proc.stdin) return;
    reaperPids.add(proc.pid);
    proc.on("error", () => undefined);
    proc.stdin.on("error", () => undefined);
    proc.once("exit", () => {
      if (reaper === proc) reaper = undefined;
    });
    proc.unref();
    (proc.stdin as unknown as { unref?: () => void }).unref?.();
    reaper = proc;
  }
  reaper.stdin?.write(line + "\n");
}

function releaseReaperIfIdle(): void {
  if (reaper && children.size === 0 && tempDirs.size === 0) {
    reaper.stdin?.end();
    reaper = undefined;
  }
}

function killAllSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  if (!keepTempDirs()) {
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  }
  tempDirs.clear();
  releaseReaperIfIdle();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killAllSync);
}

/**
 * Registers a long-lived child to be SIGKILLed if this process exits (or dies) while it still runs;
 * it leaves the registry when it exits.
 */
export function registerChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  installExitHook();
  children.add(child);
  tellReaper(`+p ${pid}`);
  child.once("exit", () => {
    children.delete(child);
    if (reaper) reaper.stdin?.write(`-p ${pid}\n`);
    releaseReaperIfIdle();
  });
}

/** Registers a temp dir to be removed if this process exits with it still present (unless `HARNESS_KEEP=1`). */
export function registerTempDir(dir: string): void {
  installExitHook();
  tempDirs.add(dir);
  if (!keepTempDirs()) tellReaper(`+d ${dir}`);
}

/** Forgets a temp dir (after its owner removed it). */
export function unregisterTempDir(dir: string): void {
  tempDirs.delete(dir);
  if (reaper) reaper.stdin?.write(`-d ${dir}\n`);
  releaseReaperIfIdle();
}

/** Pids of the harness's registered children that are still running. */
export function runningChildren(): number[] {
  const pids: number[] = [];
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) pids.push(child.pid);
  }
  return pids;
}

/** SIGKILLs every registered child and removes registered temp dirs now (what the exit hook does). */
export function killAllChildren(): void {
  killAllSync();
}

/**
 * Pids of live (non-zombie) processes whose parent is `ppid` (default: this process), read from /proc,
 * leaving out the harness's own watchdog. Tests use it to assert that nothing leaked.
 */
export function listChildPids(ppid: number = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || reaperPids.has(Number(entry))) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Format: "pid (comm) state ppid ..."; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[1]) === ppid && fields[0] !== "Z") pids.push(Number(entry));
  }
  return pids;
}
