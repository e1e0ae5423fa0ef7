// The .deb packages: built by scripts/build-debs, checked with dpkg-deb and lintian, installed with dpkg, every
// daemon started from the installed files against a real nats-server and pdns_server, then purged without a trace.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "smol-toml";
import {
  dig,
  freePort,
  pdnsApi,
  runCommand,
  spawnDaemon,
  startNatsServer,
  startPdns,
  waitFor,
} from "@pdns-distribute/test-harness";
import type { Daemon, NatsServer, Pdns } from "@pdns-distribute/test-harness";

const ROOT = join(__dirname, "..");
const DEBS = join(ROOT, "build", "debs");
const DAEMONS = ["api-proxy", "zone-provider", "health-checker", "secondary-syncer", "front-sync"] as const;
type DaemonName = (typeof DAEMONS)[number];
const PACKAGES = DAEMONS.map((d) => `pdns-distribute-${d}`);
/** Left behind by nothing once every package is purged. */
const LEFTOVERS = ["/etc/pdns-distribute", "/var/lib/pdns-distribute", "/usr/lib/pdns-distribute", "/var/lib/pdns-distribute-front-sync"];

/** Why this file cannot run here ("" when it can): dpkg -i/--purge and setpriv to the daemons' user need root. */
const skipReason =
  process.getuid?.() !== 0
    ? "not root: it installs and purges the .debs with dpkg and runs the daemons as their system user (run it as root, e.g. sudo scripts/test test/packaging.test.ts)"
    : !existsSync("/usr/bin/dpkg-deb")
      ? "dpkg-deb is missing (apt-get install dpkg)"
      : "";
if (skipReason) process.stderr.write(`\n*** SKIPPED test/packaging.test.ts: ${skipReason} ***\n\n`);
// Skipped only where it cannot run (skipReason above: not root, or no dpkg-deb), and then loudly: the banner above
// and the reason in every skipped test's name. CI runs as root, so there it always runs.
const describeIfRoot = skipReason ? (name: string, fn: () => void) => describe.skip(`${name} — SKIPPED: ${skipReason}`, fn) : describe;

/** Newest modification time of any file below `dir` (0 when missing). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const st = statSync(dir);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(dir).map((f) => (f === "node_modules" || f === "dist" ? 0 : newest(join(dir, f)))));
}

/** The built .deb files, rebuilt when anything they are made from is newer. */
async function debs(): Promise<string[]> {
  const list = (): string[] => (existsSync(DEBS) ? readdirSync(DEBS).filter((f) => f.endsWith(".deb")).map((f) => join(DEBS, f)) : []);
  const built = list();
  const sources = Math.max(...["debian", "systemd", "packages", "scripts/build-debs", "docs"].map((p) => newest(join(ROOT, p))));
  const fresh = built.length >= 4 && built.every((f) => statSync(f).mtimeMs > sources);
  if (!fresh) {
    const r = await runCommand(join(ROOT, "scripts", "build-debs"), ["--no-lintian"], 240_000);
    if (r.code !== 0) throw new Error(`scripts/build-debs failed:\n${r.stdout}\n${r.stderr}`);
  }
  return list();
}

const debOf = (files: string[], pkg: string): string => {
  const f = files.find((d) => d.split("/").pop()!.startsWith(`${pkg}_`));
  if (!f) throw new Error(`no .deb for ${pkg}`);
  return f;
};

async function sh(cmd: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await runCommand(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function purgeAll(): Promise<void> {
  const pkgs = [...PACKAGES, "pdns-distribute-tools"];
  await runCommand("dpkg", ["--purge", ...pkgs], 60_000);
}

describeIfRoot("Debian packages", () => {
  let files: string[];
  let nats: NatsServer;
  let pdns: Pdns;
  let work: string;
  const running: Daemon[] = [];

  beforeAll(async () => {
    const started = Date.now();
    files = await debs();
    process.stderr.write(`packages ready in ${Date.now() - started} ms\n`);
    await purgeAll(); // a leftover from an interrupted run
    [nats, pdns] = await Promise.all([startNatsServer(), startPdns()]);
    work = mkdtempSync(join(tmpdir(), "pdnsd-deb-"));
    chmodSync(work, 0o755); // the daemons run as the pdns-distribute user and read their config here
  }, 300_000);

  afterAll(async () => {
    await Promise.all(running.map((d) => d.stop()));
    await purgeAll();
    await Promise.all([nats?.stop(), pdns?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 60_000);

  test("dpkg-deb --info: name, version, dependencies, maintainer scripts", async () => {
    for (const pkg of PACKAGES) {
      const info = await sh("dpkg-deb", ["--info", debOf(files, pkg)]);
      expect(info).toMatch(new RegExp(`Package: ${pkg}\\n`));
      expect(info).toMatch(/Depends: nodejs \(>= \d+\)/);
      expect(info).toMatch(/adduser/);
      for (const script of ["postinst", "prerm", "postrm", "conffiles", "md5sums"]) expect(info).toContain(` ${script}`);
    }
    const syncer = await sh("dpkg-deb", ["--field", debOf(files, "pdns-distribute-secondary-syncer"), "Depends", "Architecture"]);
    expect(syncer).toMatch(/libc6/); // better-sqlite3's native module
  });

  test("dpkg-deb --contents: bundle, wrapper, conffile, unit, man page, copyright", async () => {
    for (const d of DAEMONS) {
      const pkg = `pdns-distribute-${d}`;
      const contents = await sh("dpkg-deb", ["--contents", debOf(files, pkg)]);
      for (const path of [
        `./usr/lib/pdns-distribute/${d}/cli.js`,
        `./usr/bin/${pkg}`,
        `./etc/pdns-distribute/${d}.toml`,
        `./lib/systemd/system/${pkg}.service`,
        `./usr/share/man/man8/${pkg}.8.gz`,
        `./usr/share/doc/${pkg}/copyright`,
        `./usr/share/doc/${pkg}/changelog.Debian.gz`,
      ]) {
        expect(contents).toContain(path);
      }
      expect(contents).not.toMatch(/^\S+ (?!root\/root)/m);
    }
    const syncer = await sh("dpkg-deb", ["--contents", debOf(files, "pdns-distribute-secondary-syncer")]);
    expect(syncer).toContain("node_modules/better-sqlite3/build/Release/better_sqlite3.node");
    // The udp-batch addon (recvmmsg/sendmmsg) next to the bundle, where its loader looks.
    expect(syncer).toContain("./usr/lib/pdns-distribute/secondary-syncer/udp_batch.node");
  });

  test("lintian reports no errors", async () => {
    const r = await runCommand("lintian", ["--fail-on", "error", ...files], 120_000);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("E:"))).toEqual([]);
    expect(r.code).toBe(0);
  }, 150_000);

  test("dpkg -i installs them: user, state dir, signing key, valid units", async () => {
    await sh("dpkg", ["-i", ...files], 120_000);
    expect(await sh("getent", ["passwd", "pdns-distribute"])).toMatch(/^pdns-distribute:x:\d+:\d+:.*:\/var\/lib\/pdns-distribute:\/usr\/sbin\/nologin/);
    expect(statSync("/var/lib/pdns-distribute").mode & 0o777).toBe(0o750);
    expect(statSync("/etc/pdns-distribute/zone-signing.key").mode & 0o777).toBe(0o600);
    expect(readFileSync("/etc/pdns-distribute/zone-signing.pub", "utf8").trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // The configs may hold secrets: readable by root and the daemons' group only.
    const gid = Number((await sh("getent", ["group", "pdns-distribute"])).split(":")[2]);
    for (const d of DAEMONS) {
      const st = statSync(`/etc/pdns-distribute/${d}.toml`);
      expect(`${d}.toml ${(st.mode & 0o777).toString(8)} ${st.uid}:${st.gid}`).toBe(`${d}.toml 640 0:${gid}`);
    }
    for (const pkg of PACKAGES) {
      const r = await runCommand("systemd-analyze", ["verify", `/lib/systemd/system/${pkg}.service`], 30_000);
      expect(`${pkg}: ${r.stderr.trim()}`).toBe(`${pkg}: `);
      expect(r.code).toBe(0);
    }
  }, 150_000);

  /** The installed conffile with `changes` merged in, written where the pdns-distribute user can read it. */
  function installedConfig(d: DaemonName, changes: Record<string, Record<string, unknown>>): string {
    const cfg = parse(readFileSync(`/etc/pdns-distribute/${d}.toml`, "utf8")) as Record<string, Record<string, unknown>>;
    for (const [section, values] of Object.entries(changes)) {
      if (section === "metrics" && cfg.metrics === undefined) continue;
      cfg[section] = { ...cfg[section], ...values };
    }
    const path = join(work, `${d}.toml`);
    writeFileSync(path, stringify(cfg), { mode: 0o644 });
    return path;
  }

  /** Runs the installed /usr/bin wrapper as the pdns-distribute user, as the systemd unit does. */
  function startInstalled(d: DaemonName, config: string): Daemon {
    const daemon = spawnDaemon({
      name: `deb-${d}`,
      // setpriv execs the daemon itself (no parent left in between), so signals reach it directly.
      command: ["setpriv", "--reuid=pdns-distribute", "--regid=pdns-distribute", "--init-groups", "--", `/usr/bin/pdns-distribute-${d}`, "--config", config],
    });
    running.push(daemon);
    return daemon;
  }

  test("each daemon runs from the installed files; a zone created through the proxy is answered", async () => {
    const nats_ = { servers: [nats.url] };
    const metricsPorts = await Promise.all(DAEMONS.map(() => freePort()));
    const metrics = (i: number) => ({ listen_address: "127.0.0.1", listen_port: metricsPorts[i] });
    const proxyPort = await freePort();
    const dnsPort = await freePort("127.0.0.1", "both");

    const provider = startInstalled(
      "zone-provider",
      installedConfig("zone-provider", { powerdns: { dns_port: pdns.dnsPort }, nats: nats_, metrics: metrics(1) }),
    );
    const proxy = startInstalled(
      "api-proxy",
      installedConfig("api-proxy", { proxy: { listen_port: proxyPort }, powerdns: { api_url: pdns.apiUrl }, nats: nats_, metrics: metrics(0) }),
    );
    // The checker's config holds the PowerDNS API key: written 0644 (readable by everyone), it is refused with the fix.
    const checkerConfig = installedConfig("health-checker", {
      powerdns: { api_url: pdns.apiUrl, api_key: pdns.apiKey, dns_address: pdns.dnsHost, dns_port: pdns.dnsPort },
      nats: nats_,
      metrics: metrics(2),
    });
    const refused = startInstalled("health-checker", checkerConfig);
    await refused.waitForLog(/holds secrets/, 20_000);
    expect(await refused.exited()).toBe(1);
    running.splice(running.indexOf(refused), 1);
    const fix = `chown root:pdns-distribute ${checkerConfig} && chmod 0640 ${checkerConfig}`;
    expect(refused.logs()).toContain(`${checkerConfig} holds secrets (powerdns.api_key) and users other than its owner and group can read it (mode 0644); run: ${fix}`);
    await sh("sh", ["-c", fix]);
    const checker = startInstalled("health-checker", checkerConfig);
    const secondary = startInstalled(
      "secondary-syncer",
      installedConfig("secondary-syncer", {
        secondary: { id: "debtest", heartbeat_interval_s: 1 },
        dns: { listen_address: "127.0.0.1", listen_port: dnsPort },
        nats: nats_,
        metrics: metrics(3),
      }),
    );
    // The front-sync without dnsdist and recursor on this machine: it follows the secondary over NATS only.
    const frontSync = startInstalled(
      "front-sync",
      installedConfig("front-sync", {
        front: { secondaries: ["debtest"], check_interval_s: 1 },
        dnsdist: { enabled: false },
        recursor: { enabled: false },
        nats: nats_,
        metrics: metrics(4),
      }),
    );
    await provider.waitForLog((_l, j) => j?.msg === "zone-provider ready", 20_000);
    await proxy.waitForLog((_l, j) => j?.msg === "api-proxy listening", 20_000);
    await checker.waitForLog((_l, j) => j?.msg === "health-checker ready", 20_000);
    await secondary.waitForLog((_l, j) => j?.msg === "answering DNS", 20_000);
    // udp_io "auto" found the installed addon: no fallback warning.
    expect(secondary.logs()).not.toMatch(/UDP batching .* unavailable/);

    const api = pdnsApi(pdns, { baseUrl: `http://127.0.0.1:${proxyPort}` });
    await api.createZone("deb.example.", {
      nameservers: ["ns1.deb.example."],
      rrsets: [{ name: "www.deb.example.", type: "A", ttl: 300, records: ["192.0.2.80"] }],
    });
    await waitFor(
      async () => {
        const r = await dig({ server: "127.0.0.1", port: dnsPort, qname: "www.deb.example.", qtype: "A" });
        return r.status === "NOERROR" && r.answer.some((a) => a.endsWith("192.0.2.80"));
      },
      { timeoutMs: 20_000, intervalMs: 100, what: "the installed secondary answering www.deb.example." },
    );
    expect(existsSync("/var/lib/pdns-distribute/secondary.sqlite3")).toBe(true);
    await frontSync.waitForLog((_l, j) => j?.msg === "front-sync ready", 20_000);
    await waitFor(async () => /^pdnsd_front_routed_zones\S* 1$/m.test(await (await fetch(`http://127.0.0.1:${metricsPorts[4]}/metrics`)).text()), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: "the installed front-sync routing deb.example.",
    });
    // The operator CLI from pdns-distribute-tools: a targeted resync is acknowledged by JetStream.
    expect(await sh("/usr/bin/pdns-distribute", ["-s", nats.url, "resync", "deb.example.", "--secondary", "debtest"])).toMatch(
      /published pdns\.zone\.events\.modified\.debtest/,
    );

    for (const [i, d] of DAEMONS.entries()) {
      const installedHasMetrics = /^\[metrics\]/m.test(readFileSync(`/etc/pdns-distribute/${d}.toml`, "utf8"));
      if (!installedHasMetrics) continue;
      const res = await fetch(`http://127.0.0.1:${metricsPorts[i]}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^pdnsd_/m);
    }
    for (const d of running.splice(0)) expect(await d.stop()).toBe(0);
  }, 90_000);

  test("dpkg --purge leaves nothing behind", async () => {
    await Promise.all(running.splice(0).map((d) => d.stop())); // userdel refuses while the user runs processes
    await sh("dpkg", ["--purge", ...PACKAGES, "pdns-distribute-tools"], 120_000);
    for (const path of LEFTOVERS) expect(`${path}: ${existsSync(path)}`).toBe(`${path}: false`);
    for (const pkg of PACKAGES) expect(existsSync(`/usr/bin/${pkg}`)).toBe(false);
    const holders = (await runCommand("ps", ["-o", "pid,args", "-u", "pdns-distribute"])).stdout.trim();
    expect(`user pdns-distribute exists: ${(await runCommand("getent", ["passwd", "pdns-distribute"])).code === 0} (${holders})`).toMatch(
      /^user pdns-distribute exists: false/,
    );
    expect((await runCommand("getent", ["group", "pdns-distribute"])).code).not.toBe(0);
  }, 150_000);
});
