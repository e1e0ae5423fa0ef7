// A bootable Debian root for machine tests: debootstrap + systemd, runtime packages downloaded for offline install, cached as a tar.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./command";
import { HarnessError, HarnessErrorCode } from "./errors";

/** What goes into a prepared root (the cache key is a hash of all of it). */
export interface DebianRootOptions {
  /** Debian suite, e.g. "trixie". */
  suite: string;
  /** Mirror URL; default: the first deb.debian.org-like URI in /etc/apt/sources.list*. */
  mirror: string;
  /** Installed in the root: what a booted machine with ssh needs. */
  installed: string[];
  /** Only downloaded into /var/cache/apt/archives (with their dependencies and recommends), so that
   * `apt-get install` of them works inside a machine that has no route to the mirror. */
  downloaded: string[];
  /** Where prepared roots are cached as `<suite>-<hash>.tar`. */
  cacheDir: string;
}

/** Default {@link DebianRootOptions}: Debian 13 with what the pdns-distribute machines install. */
export function defaultDebianRootOptions(): DebianRootOptions {
  return {
    suite: "trixie",
    mirror: debianMirror(),
    installed: ["systemd", "systemd-sysv", "dbus", "iproute2", "procps", "openssh-server", "openssh-client"],
    downloaded: [
      "nodejs", "adduser", "nats-server", "pdns-server", "pdns-backend-mysql", "pdns-backend-sqlite3",
      "mariadb-server", "openssl", "bind9-dnsutils", "curl", "sqlite3", "jq", "dnsdist", "pdns-recursor",
    ],
    cacheDir: "/var/cache/pdns-distribute-test",
  };
}

/** The Debian mirror this host's apt uses (deb822 `URIs:` or one-line `deb` entries), else deb.debian.org. */
export function debianMirror(): string {
  const files = ["/etc/apt/sources.list"];
  const dir = "/etc/apt/sources.list.d";
  if (existsSync(dir)) files.push(...readdirSync(dir).map((f) => join(dir, f)));
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n")) {
      const m = /^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s*)?)(\S+\/debian)\/?\s*(?:$|\s)/.exec(line);
      if (m?.[1]) return m[1];
    }
  }
  return "http://deb.debian.org/debian";
}

/** Bumped when the preparation steps change, so that old cached roots are not reused. */
const RECIPE_VERSION = 2;

/** The cache file name for `o`: suite plus a hash of everything that goes into the root. */
export function debianRootCacheFile(o: DebianRootOptions): string {
  const key = JSON.stringify([RECIPE_VERSION, o.suite, o.mirror, [...o.installed].sort(), [...o.downloaded].sort()]);
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 16);
  return join(o.cacheDir, `${o.suite}-${hash}.tar`);
}

/** Why machine tests cannot run here (empty when they can): not root, a tool missing, no namespaces allowed. */
export function machineTestBlockers(): string[] {
  const reasons: string[] = [];
  if (process.getuid?.() !== 0) reasons.push("not running as root (systemd-nspawn, ip netns and mount need root)");
  for (const tool of ["/usr/bin/systemd-nspawn", "/usr/sbin/debootstrap", "/usr/bin/nsenter", "/usr/bin/tar"]) {
    if (!existsSync(tool) && !existsSync(tool.replace("/usr/sbin/", "/sbin/").replace("/usr/bin/", "/bin/"))) {
      reasons.push(`${tool} is missing (apt-get install systemd-container debootstrap util-linux)`);
    }
  }
  if (reasons.length === 0) {
    const namespaces = namespaceBlocker();
    if (namespaces) reasons.push(namespaces);
  }
  return reasons;
}

/**
 * Empty when this host lets root make the namespaces systemd-nspawn needs (mount, PID, network, UTS, IPC), else
 * why not: e.g. inside a container without CAP_SYS_ADMIN, where systemd-nspawn cannot run at all.
 */
function namespaceBlocker(): string {
  const r = spawnSync("unshare", ["--mount", "--pid", "--net", "--uts", "--ipc", "--fork", "true"], { encoding: "utf8", timeout: 10_000 });
  if (r.status === 0) return "";
  const why = (r.stderr ?? "").trim() || r.error?.message || `exit ${r.status}`;
  return `this host does not allow the namespaces systemd-nspawn needs (unshare: ${why})`;
}

/** Empty when `mirror` answers for `suite` within 10 s, else why not (synchronous: usable where a test file decides to skip). */
export function mirrorBlocker(mirror: string, suite: string): string {
  const url = `${mirror}/dists/${suite}/Release`;
  const probe = `fetch(${JSON.stringify(url)}, { method: "HEAD", signal: AbortSignal.timeout(10000) })
    .then((r) => { console.log(r.ok ? "" : "answered " + r.status); }, (e) => { console.log(String(e.cause ?? e.message)); })`;
  const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", timeout: 15_000 });
  const problem = r.status === 0 ? r.stdout.trim() : `probe failed (${r.error?.message ?? r.status})`;
  return problem ? `the Debian mirror is not reachable: ${url}: ${problem}` : "";
}

async function must(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  const r = await runCommand(cmd, args, timeoutMs);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.split("\n").slice(-30).join("\n");
    throw new HarnessError(HarnessErrorCode.CommandFailed, `${cmd} ${args.join(" ")} exited ${r.code}:\n${tail}`);
  }
  return r.stdout;
}

/** Runs `script` inside `root` (not booted: systemd-nspawn as a chroot with /proc, /dev and the host's network). */
function inRoot(root: string, script: string, timeoutMs: number): Promise<string> {
  const env = "DEBIAN_FRONTEND=noninteractive";
  return must("systemd-nspawn", ["--register=no", "--keep-unit", "-q", "-D", root, "/usr/bin/env", env, "/bin/sh", "-ec", script], timeoutMs);
}

/** debootstrap, then the installed packages, then the downloaded ones; leaves a root ready to tar. */
async function buildRoot(o: DebianRootOptions, root: string): Promise<void> {
  await must("debootstrap", ["--variant=minbase", o.suite, root, o.mirror], 900_000);
  await inRoot(root, `apt-get update -q && apt-get install -y -q --no-install-recommends ${o.installed.join(" ")}`, 900_000);
  // With recommends, as an operator's plain `apt-get install` wants them.
  await inRoot(root, `apt-get install -y -q --download-only ${o.downloaded.join(" ")}`, 900_000);
  // Each booted machine gets its own machine id; the ssh host keys stay shared (test machines only). dpkg skips
  // its fsyncs (throwaway machines, many small files in nodejs and mariadb-server).
  await inRoot(
    root,
    ": > /etc/machine-id && rm -f /var/lib/dbus/machine-id && echo force-unsafe-io > /etc/dpkg/dpkg.cfg.d/test-machine-unsafe-io",
    60_000,
  );
}

/**
 * The prepared root for `opts` as a tar file: from the cache when there, else built (debootstrap from the
 * mirror: a few minutes) and cached. Returns the tar's path and whether it was built now.
 */
export async function prepareDebianRoot(opts: Partial<DebianRootOptions> = {}): Promise<{ tar: string; built: boolean }> {
  const o = { ...defaultDebianRootOptions(), ...opts };
  const tar = debianRootCacheFile(o);
  if (existsSync(tar)) {
    touch(tar); // in use: kept by pruneUnusedRoots
    return { tar, built: false };
  }
  mkdirSync(o.cacheDir, { recursive: true });
  const root = `${tar}.build-${process.pid}`;
  rmSync(root, { recursive: true, force: true });
  try {
    await buildRoot(o, root);
    await must("tar", ["-C", root, "--numeric-owner", "--xattrs", "-cf", `${tar}.part-${process.pid}`, "."], 600_000);
    renameSync(`${tar}.part-${process.pid}`, tar);
    pruneUnusedRoots(o, tar);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(`${tar}.part-${process.pid}`, { force: true });
  }
  return { tar, built: true };
}

/**
 * The prepared root `tar` unpacked next to it (`<tar without .tar>.d`), unpacking it the first time: machines use it
 * read-only as their overlay's lower layer, so every run after the first skips the unpacking (and the removal).
 */
export async function unpackedDebianRoot(tar: string): Promise<string> {
  const dir = tar.replace(/\.tar$/, ".d");
  const done = `${dir}.ok`; // written once dir is complete
  if (existsSync(done) && existsSync(dir)) {
    touch(tar);
    return dir;
  }
  const part = `${dir}.part-${process.pid}`;
  rmSync(part, { recursive: true, force: true });
  mkdirSync(part, { recursive: true });
  try {
    await must("tar", ["-C", part, "--numeric-owner", "--xattrs", "-xf", tar], 600_000);
    rmSync(dir, { recursive: true, force: true });
    renameSync(part, dir);
    writeFileSync(done, "");
  } finally {
    rmSync(part, { recursive: true, force: true });
  }
  return dir;
}

/** Roots of the same suite (another recipe or package list) unused this long are removed when a root is built. */
const UNUSED_ROOT_MS = 24 * 3600_000;

/**
 * Removes the other cached roots of `o.suite` (tar, unpacked dir, marker) whose tar was last used over a day ago. A
 * root in use by a concurrent run of another branch (another package list) stays: removing its tar between its
 * prepareDebianRoot and unpackedDebianRoot, or its unpacked dir under running machines, broke that run.
 */
function pruneUnusedRoots(o: DebianRootOptions, keep: string): void {
  const prefix = join(o.cacheDir, `${o.suite}-`);
  const files = readdirSync(o.cacheDir).map((n) => join(o.cacheDir, n)).filter((f) => f.startsWith(prefix) && /\.(tar|d|d\.ok)$/.test(f));
  const keys = new Set(files.map((f) => f.replace(/\.(tar|d|d\.ok)$/, "")).filter((k) => k !== keep.replace(/\.tar$/, "")));
  for (const key of keys) {
    const lastUse = Math.max(0, ...[`${key}.tar`, `${key}.d.ok`].filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs));
    if (Date.now() - lastUse > UNUSED_ROOT_MS) for (const f of [`${key}.tar`, `${key}.d`, `${key}.d.ok`]) rmSync(f, { recursive: true, force: true });
  }
}

/** Sets `file`'s modification time to now. */
function touch(file: string): void {
  const now = new Date();
  utimesSync(file, now, now);
}
