// In the field: docs/deploy.md followed step by step on separate Debian 13 machines (systemd-nspawn, systemd as PID 1),
// then zones changed through the api-proxy over HTTPS, a restart, a SIGKILL and a reboot, and the operator CLI over TLS;
// then docs/front.md's "Deploy the front on Debian" on a machine `front` (dnsdist, pdns-recursor, front-sync), queried
// from the LAN: zones routed as they come and go, an external name, and failover while a secondary is stopped or killed.
//
// What the test does on its own rather than by the guide: the site values of step 1 (as environment variables), the
// copy of build/debs and docs/ into each machine's /root, /etc/hosts entries and root ssh keys between the machines
// (the guide assumes names that resolve and ssh), and the downloads (the machines have no route to a mirror; the
// packages the guide installs were downloaded into the root's /var/cache/apt/archives when it was made). For the front:
// the stand-in internet (a Knot server with a root zone on the LAN's bridge, 10.77.0.254) and a recursor drop-in
// pointing at it (a real front uses the root servers).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FRONT_INTERNET_ZONE,
  builtDebs,
  createMachine,
  createTestLan,
  debianRootCacheFile,
  defaultDebianRootOptions,
  defaultKnotOptions,
  digOnLan,
  machineTestBlockers,
  mirrorBlocker,
  parseDocSteps,
  prepareDebianRoot,
  renderKnotConfig,
  runCommand,
  siteVariables,
  stepGroups,
  sweepStaleMachines,
  unpackedDebianRoot,
  sleep,
  waitFor,
} from "@pdns-distribute/test-harness";
import type { Daemon, DigResult, DocStep, LoadQuery, Machine, TestLan } from "@pdns-distribute/test-harness";
import { apiProxyConfigSchema, retiredApiProxyKeys } from "@pdns-distribute/api-proxy";
import { loadConfig } from "@pdns-distribute/core";
import { frontSyncConfigSchema } from "@pdns-distribute/front-sync";
import type { RetiredKey } from "@pdns-distribute/core";
import { healthCheckerConfigSchema, retiredHealthCheckerKeys } from "@pdns-distribute/health-checker";
import { retiredSecondarySyncerKeys, secondarySyncerConfigSchema } from "@pdns-distribute/secondary-syncer";
import { retiredZoneProviderKeys, zoneProviderConfigSchema } from "@pdns-distribute/zone-provider";
import type { z } from "zod";

const REPO = join(__dirname, "..");
const GUIDE = readFileSync(join(REPO, "docs", "deploy.md"), "utf8");
const FRONT_GUIDE = readFileSync(join(REPO, "docs", "front.md"), "utf8");
const MACHINES = [
  { name: "primary", role: "primary", ip: "10.77.0.1" },
  { name: "ns2", role: "secondary", ip: "10.77.0.2" },
  { name: "ns3", role: "secondary", ip: "10.77.0.3" },
  { name: "operator", role: "operator", ip: "10.77.0.10" },
  { name: "front", role: "front", ip: "10.77.0.5" },
] as const;
/** The LAN bridge's address: the stand-in internet listens there. */
const INTERNET_IP = "10.77.0.254";
const SITE = { PRIMARY: "primary.field.test", PRIMARY_IP: "10.77.0.1", SECONDARIES: "ns2 ns3" };
const SECONDARIES = ["ns2", "ns3"] as const;
/** Names of this test's network namespaces and work directories: PREFIX + pid + "-". */
const PREFIX = "pdnsdf";
const IP: Record<string, string> = Object.fromEntries(MACHINES.map((m) => [m.name, m.ip]));

/** Why this host cannot run the machines (empty: it can). */
function blockers(): string[] {
  const found = machineTestBlockers();
  const o = defaultDebianRootOptions();
  if (found.length === 0 && !readdirSafe(o.cacheDir).includes(debianRootCacheFile(o).split("/").pop() as string)) {
    const mirror = mirrorBlocker(o.mirror, o.suite);
    if (mirror) found.push(`${mirror}, and no prepared root is cached in ${o.cacheDir}`);
  }
  return found;
}
function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const BLOCKERS = blockers();
/** Placeholders of docs/deploy/*.toml that must be filled in with TOML values rather than plain text. */
const TOML_PLACEHOLDERS: Record<string, string> = { "@SECONDARY_IDS@": `"ns2", "ns3"`, "@FORWARDERS@": `"10.0.0.2:53", "10.0.0.3:53"` };
if (BLOCKERS.length > 0) {
  const bar = "!".repeat(100);
  process.stderr.write(`\n${bar}\n!!! SKIPPED test/field.test.ts (multi-machine test): ${BLOCKERS.join("; ")}\n${bar}\n\n`);
}
// Skipped only where machines cannot run (blockers(): not root, a tool missing, no namespaces, no mirror and no cached
// root), and then loudly: the banner above and the reasons in the describe name. CI runs as root, so there it runs.
const describeMachines = BLOCKERS.length > 0 ? describe.skip : describe;

describe("docs/deploy.md as a test script", () => {
  const steps = parseDocSteps(GUIDE);

  test("its steps run on known machines, and its site block sets exactly the values the test sets", () => {
    expect(steps.map((s) => s.on).filter((on) => !["all", "workstation", "primary", "secondary", "operator"].includes(on))).toEqual([]);
    const site = steps.find((s) => s.name === "site");
    expect(Object.keys(siteVariables(site?.script ?? "")).sort()).toEqual(Object.keys(SITE).sort());
    expect(steps.find((s) => s.name === "copy")?.on).toBe("workstation");
  });

  test("docs/front.md's deploy steps run on the front machine", () => {
    expect(parseDocSteps(FRONT_GUIDE).map((s) => `${s.name} on ${s.on}`)).toEqual(["front-packages on front", "front-config on front", "front-start on front"]);
  });

  const configs: Array<[string, z.ZodType, readonly RetiredKey[]]> = [
    ["api-proxy", apiProxyConfigSchema, retiredApiProxyKeys],
    ["zone-provider", zoneProviderConfigSchema, retiredZoneProviderKeys],
    ["health-checker", healthCheckerConfigSchema, retiredHealthCheckerKeys],
    ["secondary-syncer", secondarySyncerConfigSchema, retiredSecondarySyncerKeys],
    ["front-sync", frontSyncConfigSchema, []],
  ];
  test.each(configs)("docs/deploy/%s.toml loads without a warning once its placeholders are filled in", (name, schema, retired) => {
    const dir = mkdtempSync(join(tmpdir(), "pdnsd-deploy-toml-"));
    try {
      const file = join(dir, `${name}.toml`);
      const text = readFileSync(join(REPO, "docs", "deploy", `${name}.toml`), "utf8").replace(/@[A-Z_]+@/g, (p) => TOML_PLACEHOLDERS[p] ?? "x");
      writeFileSync(file, text);
      const warnings: string[] = [];
      expect(() => loadConfig(schema, file, retired, (w) => warnings.push(w))).not.toThrow();
      expect(warnings).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeMachines(`on separate machines${BLOCKERS.length ? ` (SKIPPED: ${BLOCKERS.join("; ")})` : ""}`, () => {
  const steps = parseDocSteps(GUIDE);
  const frontSteps = parseDocSteps(FRONT_GUIDE);
  const m: Record<string, Machine> = {};
  /** docs/front.md's package step, started with the guide (it needs nothing from the other machines). */
  let frontPackages: Promise<void> = Promise.resolve();
  /** The stand-in internet (knotd on the LAN's bridge). */
  let internet: Daemon | undefined;
  const figures: Record<string, number | string> = {};
  let lan: TestLan;
  let work = "";
  const started = Date.now();

  /** How long each step took on each machine. */
  const stepMs: Record<string, Record<string, number>> = {};

  /** Runs a guide step on the machines it names (each secondary at the same time). */
  async function runStep(step: DocStep): Promise<void> {
    const on = step.on === "secondary" ? SECONDARIES.map((n) => m[n] as Machine) : [m[step.on] as Machine];
    const t = Date.now();
    const times = (stepMs[step.name] = {} as Record<string, number>);
    await Promise.all(
      on.map(async (machine) => {
        await machine.sh(step.script, { env: { ...SITE, DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 600_000 });
        times[machine.name] = Date.now() - t;
      }),
    );
    process.stderr.write(`field: step ${step.name} on ${step.on}: ${JSON.stringify(times)} ms\n`);
  }

  /** Files and trust every machine gets before the guide starts (see the header). */
  function provision(machine: Machine, debs: string[], key: { priv: string; pub: string }): void {
    machine.writeFile("/etc/hosts", `127.0.0.1 localhost\n${MACHINES.map((x) => `${x.ip} ${x.name}.field.test ${x.name}`).join("\n")}\n`);
    for (const deb of debs) machine.writeFile(`/root/debs/${deb.split("/").pop()}`, readFileSync(deb));
    for (const f of listFiles(join(REPO, "docs"))) machine.writeFile(`/root/docs/${f}`, readFileSync(join(REPO, "docs", f)));
    machine.writeFile("/root/.ssh/id_ed25519", key.priv, 0o600);
    machine.writeFile("/root/.ssh/authorized_keys", key.pub, 0o600);
    machine.writeFile("/root/.ssh/config", "StrictHostKeyChecking accept-new\nBatchMode yes\n", 0o600);
  }

  beforeAll(async () => {
    const swept = await sweepStaleMachines(PREFIX, "/var/tmp");
    if (swept.length > 0) process.stderr.write(`field: removed leftovers of an interrupted run: ${swept.join(", ")}\n`);
    const [root, debs] = await Promise.all([prepareDebianRoot(), builtDebs(REPO)]);
    figures.root = root.built ? `built in ${Date.now() - started} ms` : "cached";
    work = mkdtempSync(`/var/tmp/${PREFIX}${process.pid}-`);
    const lower = await unpackedDebianRoot(root.tar);
    await runCommand("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "field-test", "-f", join(work, "id_ed25519")]);
    const key = { priv: readFileSync(join(work, "id_ed25519"), "utf8"), pub: readFileSync(join(work, "id_ed25519.pub"), "utf8") };
    lan = await createTestLan(`${PREFIX}${process.pid}`, "10.77.0.254/24");
    for (const x of MACHINES) {
      const netnsPath = await lan.addMachine(x.name, `${x.ip}/24`);
      m[x.name] = await createMachine({ name: x.name, address: x.ip, lowerDir: lower, workDir: join(work, x.name), netnsPath });
      provision(m[x.name] as Machine, debs, key);
    }
    const boots = await Promise.all(Object.values(m).map((machine) => machine.boot()));
    figures.bootMs = Math.max(...boots);
    figures.readyMs = Date.now() - started;
  }, 1_800_000);

  afterAll(async () => {
    const ended = Date.now();
    figures.wallMs = ended - started;
    process.stderr.write(`field figures: ${JSON.stringify(figures)}\n`);
    await internet?.stop("SIGTERM", 5000);
    const destroyed = await Promise.allSettled(Object.values(m).map((machine) => machine.destroy()));
    await lan?.remove();
    if (work && process.env.HARNESS_KEEP !== "1") rmSync(work, { recursive: true, force: true });
    process.stderr.write(`field: teardown ${Date.now() - ended} ms\n`);
    for (const r of destroyed) if (r.status === "rejected") throw r.reason;
  }, 180_000);

  /** What the test adds after a step of the guide. */
  const afterStep: Record<string, () => Promise<void>> = {
    // A zone that exists before pdns-distribute runs (made with pdnsutil): step 8 of the guide brings it over.
    "primary-powerdns": async () => {
      await (m.primary as Machine).sh("pdnsutil create-zone before.field.test ns2.before.field.test && pdnsutil add-record before.field.test www A 300 192.0.2.1");
    },
    "primary-daemons": async () => {
      await waitForJournal(m.primary as Machine, "pdns-distribute-api-proxy", "api-proxy listening");
      await waitForJournal(m.primary as Machine, "pdns-distribute-zone-provider", "zone-provider ready");
      await waitForJournal(m.primary as Machine, "pdns-distribute-health-checker", "health-checker ready");
      // A zone made through the api-proxy before any secondary exists: each fetches it on joining.
      await api("POST", "/zones", zoneBody("early.field.test.", "192.0.2.2"), m.primary as Machine);
    },
  };

  test("docs/deploy.md, step by step: every secondary answers zones made before and after it was installed", async () => {
    frontPackages = runStep(frontSteps.find((s) => s.name === "front-packages") as DocStep);
    frontPackages.catch(() => undefined); // awaited, and its failure reported, by the front's test
    for (const group of stepGroups(steps)) {
      const run = group.filter((step) => step.on !== "all" && step.on !== "workstation"); // site values, copies: the test's
      await Promise.all(run.map((step) => (step.name === "secondary" ? stepWithFirstAnswer(step) : runStep(step))));
      for (const step of run) await afterStep[step.name]?.();
    }
    for (const ns of SECONDARIES) {
      await expectAnswer(ns, "www.before.field.test.", "192.0.2.1", 30_000);
      await expectAnswer(ns, "www.example.org.", "192.0.2.80", 10_000);
    }
  }, 1_200_000);

  /**
   * The secondary step on each secondary, timing a fresh secondary: its `apt-get install` (step 2) plus the time
   * from the start of its configuration to its first answer for the zone made before it joined.
   */
  async function stepWithFirstAnswer(step: DocStep): Promise<void> {
    const t = Date.now();
    const firsts = SECONDARIES.map(async (ns) => {
      await waitFor(async () => (await digOnLan(lan, IP[ns] as string, "www.early.field.test.", "A"))?.answer.some((a) => a.endsWith("192.0.2.2")), {
        timeoutMs: 600_000,
        intervalMs: 200,
        what: `${ns} answering www.early.field.test.`,
      });
      const install = stepMs["secondary-packages"]?.[ns] ?? 0;
      figures[`installToFirstAnswerMs_${ns}`] = `${install} install + ${Date.now() - t} configure to answer`;
    });
    await runStep(step);
    await Promise.all(firsts);
  }

  /** Sends an API request to the api-proxy over HTTPS with curl on `from` (the operator machine by default). */
  async function api(method: string, path: string, body: unknown, from = m.operator as Machine): Promise<string> {
    const keyFile = from === m.primary ? "/root/secrets/pdns-api-key" : "~/.config/pdns-distribute/api-key";
    const ca = from === m.primary ? "/root/ca/ca.pem" : "~/.config/pdns-distribute/nats-ca.pem";
    const data = body === undefined ? "" : `-d ${shellQuote(JSON.stringify(body))}`;
    return from.sh(
      `curl -sS --fail-with-body --cacert ${ca} -H "X-API-Key: $(cat ${keyFile})" -X ${method} ${data} https://${SITE.PRIMARY}:8082/api/v1/servers/localhost${path}`,
    );
  }

  /** Waits until secondary `ns` answers `qname` A with `address` (the host's dig, from the LAN). */
  async function expectAnswer(ns: string, qname: string, address: string, timeoutMs: number): Promise<number> {
    const t = Date.now();
    await waitFor(async () => (await digOnLan(lan, IP[ns] as string, qname, "A"))?.answer.some((a) => a.endsWith(` ${address}`)), {
      timeoutMs,
      intervalMs: 100,
      what: `${ns} answering ${qname} A ${address}`,
    });
    return Date.now() - t;
  }

  test("only the ports docs/deploy.md lists listen beyond localhost", async () => {
    expect(await portsBeyondLocalhost(m.primary as Machine)).toEqual(["22/tcp", "4222/tcp", "8082/tcp"]);
    for (const ns of SECONDARIES) expect(await portsBeyondLocalhost(m[ns] as Machine)).toEqual(["22/tcp", "53/tcp", "53/udp"]);
  });

  test("zones created, changed and deleted through the api-proxy (HTTPS) reach every secondary", async () => {
    await api("POST", "/zones", zoneBody("life.field.test.", "192.0.2.10"));
    for (const ns of SECONDARIES) await expectAnswer(ns, "www.life.field.test.", "192.0.2.10", 10_000);
    await api("PATCH", "/zones/life.field.test.", rrset("www.life.field.test.", "192.0.2.11"));
    for (const ns of SECONDARIES) await expectAnswer(ns, "www.life.field.test.", "192.0.2.11", 10_000);
    await api("DELETE", "/zones/life.field.test.", undefined);
    for (const ns of SECONDARIES) {
      await waitFor(async () => (await digOnLan(lan, IP[ns] as string, "www.life.field.test.", "A"))?.status === "REFUSED", {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: `${ns} no longer serving life.field.test.`,
      });
    }
  }, 120_000);

  /** A change made while `ns` is down or restarting, answered by every secondary afterwards. */
  async function changeAndConverge(address: string): Promise<void> {
    await api("PATCH", "/zones/early.field.test.", rrset("www.early.field.test.", address));
    for (const ns of SECONDARIES) await expectAnswer(ns, "www.early.field.test.", address, 30_000);
  }

  test("systemctl restart: the secondary answers from SQLite at once and converges", async () => {
    const ns2 = m.ns2 as Machine;
    const t = Date.now();
    await ns2.sh("systemctl restart pdns-distribute-secondary-syncer");
    figures.restartToAnswerMs = await expectAnswer("ns2", "www.early.field.test.", "192.0.2.2", 10_000).then(() => Date.now() - t);
    await changeAndConverge("192.0.2.3");
  }, 120_000);

  test("SIGKILL: systemd restarts the daemon, which answers from SQLite and converges", async () => {
    const ns3 = m.ns3 as Machine;
    const restarts = async (): Promise<number> => Number((await ns3.sh("systemctl show -P NRestarts pdns-distribute-secondary-syncer")).trim());
    const before = await restarts();
    const t = Date.now();
    await ns3.sh("systemctl kill -s KILL pdns-distribute-secondary-syncer");
    await waitFor(async () => (await restarts()) === before + 1, { timeoutMs: 20_000, intervalMs: 200, what: "systemd restarting the killed secondary-syncer" });
    figures.killToAnswerMs = await expectAnswer("ns3", "www.early.field.test.", "192.0.2.3", 20_000).then(() => Date.now() - t);
    await changeAndConverge("192.0.2.4");
    // The same on the primary: the zone-provider killed, restarted by systemd, serving zone data again.
    await (m.primary as Machine).sh("systemctl kill -s KILL pdns-distribute-zone-provider");
    await waitForJournal(m.primary as Machine, "pdns-distribute-zone-provider", "zone-provider ready", 30_000, 2);
    await changeAndConverge("192.0.2.5");
  }, 180_000);

  test("reboot: a rebooted secondary answers from SQLite right after boot and catches up on what changed meanwhile", async () => {
    const ns2 = m.ns2 as Machine;
    await ns2.stop();
    await api("PATCH", "/zones/early.field.test.", rrset("www.early.field.test.", "192.0.2.6"));
    await expectAnswer("ns3", "www.early.field.test.", "192.0.2.6", 10_000);
    const t = Date.now();
    await ns2.boot();
    figures.rebootBootMs = Date.now() - t;
    // Stale or fresh: it answers as soon as the unit runs; then it has the change.
    await waitFor(async () => (await digOnLan(lan, IP.ns2 as string, "www.early.field.test.", "A"))?.status === "NOERROR", {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: "ns2 answering after its reboot",
    });
    figures.rebootToAnswerMs = Date.now() - t;
    await expectAnswer("ns2", "www.early.field.test.", "192.0.2.6", 30_000);
    expect(await ns2.sh("systemctl is-active pdns-distribute-secondary-syncer")).toBe("active\n");
  }, 240_000);

  test("outside the API: a zone made with pdnsutil, and pdnsutil secure-zone, reach every secondary within 60 s", async () => {
    const primary = m.primary as Machine;
    let t = Date.now();
    await primary.sh("pdnsutil create-zone later.field.test ns2.later.field.test && pdnsutil add-record later.field.test www A 300 192.0.2.30");
    for (const ns of SECONDARIES) await expectAnswer(ns, "www.later.field.test.", "192.0.2.30", 60_000);
    figures.pdnsutilZonePickupMs = Date.now() - t;
    t = Date.now();
    await primary.sh("pdnsutil secure-zone before.field.test");
    for (const ns of SECONDARIES) {
      await waitFor(async () => (await digOnLan(lan, IP[ns] as string, "before.field.test.", "DNSKEY"))?.answer.some((a) => /\sDNSKEY\s257\s/.test(a)), {
        timeoutMs: 60_000,
        intervalMs: 500,
        what: `${ns} answering before.field.test.'s DNSKEY`,
      });
    }
    figures.signingPickupMs = Date.now() - t;
  }, 180_000);

  test("operator: pdns-distribute status and events tail over TLS", async () => {
    const op = m.operator as Machine;
    const status = await op.sh(". ~/.profile; pdns-distribute status --json");
    for (const ns of SECONDARIES) expect(status).toContain(ns);
    // --from-start: the stored events first (proof that it is connected), then the new one as it is published.
    const tail = op.run(
      ". ~/.profile; timeout 90 pdns-distribute events tail --from-start > /root/events.jsonl 2> /root/events.err & echo $! > /root/tail.pid; wait || true",
      { timeoutMs: 100_000 },
    );
    const events = (): Array<Record<string, unknown>> => jsonLines(safeRead(op, "/root/events.jsonl"));
    const seen = (type: string, zone: string) => () => events().some((e) => e.type === type && e.zone === zone);
    const stderr = () => safeRead(op, "/root/events.err");
    await waitFor(seen("zone.add", "early.field.test."), { timeoutMs: 30_000, intervalMs: 200, what: "events tail replaying the stored events" }).catch((err) => {
      throw new Error(`${(err as Error).message}; its stderr: ${stderr()}`);
    });
    await api("POST", "/zones", zoneBody("tail.field.test.", "192.0.2.20"));
    await waitFor(seen("zone.add", "tail.field.test."), { timeoutMs: 15_000, intervalMs: 200, what: "the new zone's event in events tail" });
    await op.sh("kill $(cat /root/tail.pid)");
    await tail;
  }, 120_000);

  // ---- The front: docs/front.md's "Deploy the front on Debian" on the machine `front` ----

  /** Waits until the front (dnsdist, asked with recursion as a stub resolver asks) gives an answer that `accept`s; returns the ms taken. */
  async function frontAnswer(qname: string, accept: (r: DigResult) => boolean, timeoutMs: number, what: string): Promise<number> {
    const t = Date.now();
    let last: DigResult | undefined;
    await waitFor(async () => {
      last = await digOnLan(lan, IP.front as string, qname, "A", true);
      return last !== undefined && accept(last);
    }, { timeoutMs, intervalMs: 10, what }).catch(async (err) => {
      throw new Error(`${(err as Error).message}; the last answer: ${last?.raw ?? "none"}\n${await frontState()}`);
    });
    return Date.now() - t;
  }
  const fromSecondary = (address: string) => (r: DigResult) => r.flags.includes("aa") && r.answer.some((a) => a.endsWith(` ${address}`));

  /** The front's recursor (127.0.0.1:5301, loopback only) asked on the front machine: the A records it answers. */
  async function recursorA(qname: string): Promise<string> {
    return (await (m.front as Machine).sh(`dig +short +time=1 +tries=1 @127.0.0.1 -p 5301 ${qname} A || true`)).trim();
  }

  /** The stand-in internet: knotd with a root zone on the LAN's bridge, port 53. */
  async function startInternet(): Promise<void> {
    const dir = join(work, "internet");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "zone0.zone"), FRONT_INTERNET_ZONE);
    const conf = join(dir, "knot.conf");
    writeFileSync(conf, renderKnotConfig({ ...defaultKnotOptions(), host: INTERNET_IP, zones: [{ origin: ".", file: "" }] }, dir, 53, ["zone0.zone"]));
    const ready = async (): Promise<boolean> => (await digOnLan(lan, INTERNET_IP, ".", "SOA"))?.flags.includes("aa") === true;
    internet = await lan.startDaemon("internet", ["knotd", "-c", conf], ready);
  }

  /** What the front's programs say, for a failure message: their journals, dnsdist's rules, the forward-zones file. */
  async function frontState(): Promise<string> {
    const r = await (m.front as Machine).run(
      "journalctl -o cat --no-pager -n 40 -u pdns-distribute-front-sync; journalctl -o cat --no-pager -n 20 -u dnsdist; " +
        "journalctl -o cat --no-pager -n 20 -u pdns-recursor; dnsdist -c -e 'showRules()'; dnsdist -c -e 'showServers()'; " +
        "cat /var/lib/pdns-distribute-front-sync/forward-zones; ls -la /run/pdns-recursor /var/lib/pdns-distribute-front-sync",
    );
    return `the front's state:\n${r.stdout}\n${r.stderr}`;
  }

  /** dnsdist's showServers() on the front (its console, as root: `dnsdist -c` reads the key from dnsdist.conf). */
  const showServers = (): Promise<string> => (m.front as Machine).sh("dnsdist -c -e 'showServers()'");

  test("docs/front.md on a front machine: a distributed zone through dnsdist and through the recursor, an external name", async () => {
    await startInternet();
    await frontPackages;
    for (const step of frontSteps.filter((s) => s.name !== "front-packages")) {
      await runStep(step);
      if (step.name === "front-config") (m.front as Machine).writeFile("/etc/powerdns/recursor.d/field-test-internet.yml", TEST_RECURSOR_INTERNET);
    }
    const front = m.front as Machine;
    figures.frontVersions = (await front.sh("dpkg-query -W -f '${Package} ${Version}; ' dnsdist pdns-recursor")).trim();
    figures.frontStartToRoutedMs = await frontAnswer("www.example.org.", fromSecondary("192.0.2.80"), 60_000, "the front answering www.example.org. from a secondary");
    await waitFor(async () => (await recursorA("www.example.org.")) === "192.0.2.80", { timeoutMs: 10_000, intervalMs: 100, what: "the front's recursor answering www.example.org." });
    await frontAnswer("www.external.test.", (r) => !r.flags.includes("aa") && r.answer.some((a) => a.endsWith(" 192.0.2.80")), 10_000, "the front resolving www.external.test. through the recursor");
  }, 900_000);

  test("the front: a zone created through the api-proxy is answered within 1 s (recursor too, after its restart), a deleted one stops being routed", async () => {
    // After a recursor restart, so that the front-sync's rec_control must still reach the recursor's socket-dir.
    await (m.front as Machine).sh("systemctl restart pdns-recursor");
    const t = Date.now();
    await api("POST", "/zones", zoneBody("front.field.test.", "192.0.2.50"));
    const posted = Date.now() - t;
    await frontAnswer("www.front.field.test.", fromSecondary("192.0.2.50"), 10_000, "the front answering the new zone");
    const routed = Date.now() - t;
    await waitFor(async () => (await recursorA("www.front.field.test.")) === "192.0.2.50", { timeoutMs: 10_000, intervalMs: 20, what: "the front's recursor answering the new zone" });
    figures.frontNewZone = `through dnsdist ${routed} ms after the POST was sent (the POST took ${posted} ms), the recursor after ${Date.now() - t} ms`;
    const d = Date.now();
    await api("DELETE", "/zones/front.field.test.", undefined);
    // Unrouted: the recursor answers it from the stand-in root (NXDOMAIN, not authoritative) instead of a secondary.
    await frontAnswer("www.front.field.test.", (r) => r.status === "NXDOMAIN" && !r.flags.includes("aa"), 10_000, "the deleted zone no longer routed to the secondaries");
    figures.frontDeletedUnroutedMs = Date.now() - d;
    expect(routed - posted).toBeLessThan(1000);
  }, 120_000);

  /**
   * Fresh names of a distributed zone through the front at 20 queries/s for 6 s, each retried once after 1 s; after
   * 1.5 s `stop` runs on ns2. Reports (in the figures) the queries that needed their retry or failed twice and the
   * last failed first try after the stop was issued, which must come within `detectMs` (+ the stop's own time and
   * 250 ms of slack); then waits until dnsdist uses ns2 again. No query may fail twice, unless `retryMayFail` (lazy
   * checks: ns2 is marked down only after `detectMs`, later than a retry 1 s after the first try); then every retry that
   * failed must have been sent within `detectMs` too.
   */
  async function failover(label: string, stop: string, restart: string, detectMs: number, retryMayFail = false): Promise<void> {
    const used = queriesOf(await showServers(), "ns2");
    const startAt = Date.now() + 3000; // time for node to start in the LAN's namespace
    const load = loadThroughFront(startAt, 6000, label);
    await sleep(startAt + 1500 - Date.now());
    const stopAt = Date.now() - startAt;
    await (m.ns2 as Machine).sh(stop);
    const stopMs = Date.now() - startAt - stopAt;
    const queries = await load;
    const failedFirst = queries.filter((q) => q.firstRcode === undefined);
    const failedTwice = failedFirst.filter((q) => q.retryRcode === undefined);
    const wrong = queries.filter((q) => (q.firstRcode ?? q.retryRcode ?? 3) !== 3); // NXDOMAIN from the zone's secondary
    const last = Math.max(0, ...failedFirst.map((q) => q.sentMs - stopAt));
    figures[`frontFailover_${label}`] =
      `${queries.length} queries, ${failedFirst.length} needed their retry, ${failedTwice.length} failed twice; ` +
      `last failure ${last.toFixed(0)} ms after the stop was issued (it returned after ${stopMs} ms)`;
    process.stderr.write(`field: front failover (${label}): ${figures[`frontFailover_${label}`]}\n`);
    expect(queriesOf(await showServers(), "ns2")).toBeGreaterThan(used); // ns2 had its share until it stopped
    // Back: ns2 marked up again and given queries.
    await (m.ns2 as Machine).sh(restart);
    await waitFor(async () => /\sns2\s+\S+\s+up\s/.test(await showServers()), { timeoutMs: 30_000, intervalMs: 200, what: "dnsdist marking ns2 up again" });
    const before = queriesOf(await showServers(), "ns2");
    await loadThroughFront(Date.now() + 2000, 1000, `${label}-back`);
    expect(queriesOf(await showServers(), "ns2")).toBeGreaterThan(before);
    if (!retryMayFail) expect(failedTwice).toEqual([]);
    expect(wrong).toEqual([]);
    expect(last).toBeLessThan(stopMs + detectMs + 250);
    const lastRetryFailed = Math.max(0, ...failedTwice.map((q) => q.sentMs + 1000 - stopAt));
    expect(lastRetryFailed).toBeLessThan(stopMs + detectMs + 250);
  }

  /** runUdpLoad (packages/test-harness/dist) in a node process in the LAN's bridge namespace, starting at `startAt`. */
  async function loadThroughFront(startAt: number, durationMs: number, label: string): Promise<LoadQuery[]> {
    const module = join(REPO, "packages", "test-harness", "dist", "dns-load.js");
    const script = `const { runUdpLoad } = require(${JSON.stringify(module)});
      setTimeout(() => runUdpLoad({ server: ${JSON.stringify(IP.front)}, port: 53, qps: 20, durationMs: ${durationMs}, timeoutMs: 1000, qtype: 1,
        name: (i) => "${label}-" + i + ".example.org." }).then((q) => console.log(JSON.stringify(q))), ${startAt} - Date.now());`;
    const r = await lan.exec([process.execPath, "-e", script], durationMs + 30_000);
    if (r.code !== 0) throw new Error(`the query load in the LAN failed (exit ${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as LoadQuery[];
  }

  test("the front: ns2's secondary-syncer stopped, then killed, under load: at most one retry per query, routed around, used again", async () => {
    // Active checks: marked down within one check interval (1 s) + the check's timeout (150 ms).
    await failover("stop", "systemctl stop pdns-distribute-secondary-syncer", "systemctl start pdns-distribute-secondary-syncer", 1000 + 150);
    await failover("sigkill", "systemctl kill -s KILL pdns-distribute-secondary-syncer", "true", 1000 + 150); // systemd restarts it (Restart=on-failure)
  }, 180_000);

  test("the front on dnsdist >= 1.8 with lazy health checks (dnsdist.conf's alternative line): the same kill, figures compared", async () => {
    const front = m.front as Machine;
    await front.sh(`sed -i 's/^local health = .*/-- &/; s/^-- local health = {healthCheckMode="lazy"/local health = {healthCheckMode="lazy"/' /etc/dnsdist/dnsdist.conf
      grep -q '^local health = {healthCheckMode="lazy"' /etc/dnsdist/dnsdist.conf && dnsdist --check-config && systemctl restart dnsdist`);
    await frontAnswer("www.example.org.", fromSecondary("192.0.2.80"), 30_000, "the front-sync putting its rule back after the dnsdist restart");
    // Lazy checks start only once queries to it failed, and a query counts as failed when it timed out (dnsdist's UDP
    // timeout: 2 s, found in its once-a-second health-check round); then a check (150 ms) marks it down. Until then a
    // retry sent 1 s after its first try may meet the dead secondary again (seen in one run of six). Neither the < 1 s
    // target nor "at most one retry" is what this mode promises (docs/front.md, Versions).
    await failover("sigkill-lazy", "systemctl kill -s KILL pdns-distribute-secondary-syncer", "true", 2000 + 1000 + 150, true);
  }, 180_000);
});

/** The listening TCP and UDP ports of `machine` on other addresses than loopback, as "53/udp", sorted. */
async function portsBeyondLocalhost(machine: Machine): Promise<string[]> {
  const rows = (await machine.sh("ss -H -l -t -u -n")).split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/));
  const ports = rows
    .filter((c) => !/^(127\.|\[::1\]|::1)/.test(c[4] ?? ""))
    .map((c) => `${(c[4] ?? "").replace(/^.*:/, "")}/${c[0]}`);
  return [...new Set(ports)].sort();
}

/** The lines of `text` that are JSON objects (a line still being written is skipped). */
function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split("\n").flatMap((line) => {
    try {
      const v: unknown = JSON.parse(line);
      return v !== null && typeof v === "object" ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

function safeRead(machine: Machine, path: string): string {
  try {
    return machine.readFile(path);
  } catch {
    return "";
  }
}

/** The test's recursor drop-in on the front (pdns-recursor 5, YAML): "." goes to the stand-in internet, whose root is unsigned. */
const TEST_RECURSOR_INTERNET = `# Written by test/field.test.ts: the stand-in internet instead of the root servers.
recursor:
  forward_zones_recurse:
  - zone: .
    forwarders: [${INTERNET_IP}]
dnssec:
  validation: process-no-validate
`;

/** The Queries column of dnsdist's showServers() for server `name`. */
function queriesOf(showServers: string, name: string): number {
  const row = showServers.split("\n").find((l) => l.trim().split(/\s+/)[1] === name);
  if (!row) throw new Error(`no server ${name} in:\n${showServers}`);
  return Number(row.trim().split(/\s+/)[8]);
}

/** A zone-create body with one A record for www. */
function zoneBody(name: string, address: string): unknown {
  return {
    name,
    kind: "Native",
    nameservers: [`ns2.${name}`, `ns3.${name}`],
    rrsets: [{ name: `www.${name}`, type: "A", ttl: 300, records: [{ content: address, disabled: false }] }],
  };
}

/** A PATCH body replacing one A RRset. */
function rrset(name: string, address: string): unknown {
  return { rrsets: [{ name, type: "A", ttl: 300, changetype: "REPLACE", records: [{ content: address, disabled: false }] }] };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Files below `dir`, relative to it. */
function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

/** Waits until `unit`'s journal on `machine` has `count` lines containing `text`. */
async function waitForJournal(machine: Machine, unit: string, text: string, timeoutMs = 60_000, count = 1): Promise<void> {
  await waitFor(async () => (await machine.run(`journalctl -u ${unit} -o cat --no-pager`)).stdout.split(text).length > count, {
    timeoutMs,
    intervalMs: 500,
    what: `${count} "${text}" in ${unit}'s journal on ${machine.name}`,
  });
}
