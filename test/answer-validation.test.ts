// A validating resolver (unbound) stubbed to a secondary with 2 DNS workers validates PowerDNS-signed NSEC/NSEC3 zones.

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dig, freePort, makeTempDir, removeTempDir, spawnDaemon, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { Daemon, DigResult, LocalCluster } from "@pdns-distribute/test-harness";

const ZONES = { nsec: "nsec.valid.example.", nsec3: "nsec3.valid.example." } as const;

/** unbound.conf: validator on, one stub zone per signed zone pointing at the secondary, the zones' DNSKEYs as anchors. */
function unboundConf(dir: string, port: number, secondary: string, anchors: string[]): string {
  return [
    "server:",
    `  interface: 127.0.0.1@${port}`,
    `  port: ${port}`,
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    `  pidfile: "${join(dir, "unbound.pid")}"`,
    "  do-daemonize: no",
    "  use-syslog: no",
    "  do-ip6: no",
    "  do-not-query-localhost: no",
    '  module-config: "validator iterator"',
    "  val-log-level: 2",
    "  verbosity: 1",
    "  access-control: 127.0.0.0/8 allow",
    ...anchors.map((a) => `  trust-anchor: "${a}"`),
    "remote-control:",
    "  control-enable: no",
    ...Object.values(ZONES).flatMap((z) => ["stub-zone:", `  name: "${z}"`, `  stub-addr: ${secondary}`]),
  ].join("\n");
}

describe("DNSSEC validation through unbound against a secondary with DNS workers", () => {
  let cluster: LocalCluster;
  let unbound: Daemon;
  let dir: string;
  let port: number;

  beforeAll(async () => {
    cluster = await startLocalCluster({ secondaryAddresses: ["127.0.0.2"], secondaryDnsToml: 'workers = 2\naxfr_allow = ["127.0.0.0/8"]' });
    const sec = cluster.secondaries[0]!;
    for (const [kind, zone] of Object.entries(ZONES)) {
      await cluster.api.createZone(zone, {
        nameservers: [`ns1.${zone}`],
        rrsets: [
          { name: `ns1.${zone}`, type: "A", ttl: 300, records: ["192.0.2.1"] },
          { name: `www.${zone}`, type: "A", ttl: 300, records: ["192.0.2.10"] },
          { name: `*.wild.${zone}`, type: "A", ttl: 300, records: ["192.0.2.30"] },
        ],
        extra: { dnssec: true, ...(kind === "nsec3" ? { nsec3param: "1 0 0 -" } : {}) },
      });
    }
    // The secondary serves both zones signed (DNSKEY present), from its workers.
    const anchors: string[] = [];
    for (const zone of Object.values(ZONES)) {
      const keys = await waitFor(
        async () => {
          const r = await dig({ server: sec.address, port: sec.port, qname: zone, qtype: "DNSKEY" });
          return r.answer.length > 0 ? r : undefined;
        },
        { timeoutMs: 30_000, what: `${zone} DNSKEY on the secondary` },
      );
      anchors.push(...keys.answer.map((line) => line.replace(/^(\S+) \d+ IN/, "$1 IN")));
    }
    dir = await makeTempDir("unbound");
    await mkdir(dir, { recursive: true });
    port = await freePort("127.0.0.1", "both");
    const conf = join(dir, "unbound.conf");
    await writeFile(conf, unboundConf(dir, port, `127.0.0.2@${sec.port}`, anchors));
    unbound = spawnDaemon({ name: "unbound", command: ["unbound", "-d", "-c", conf] });
    let last: unknown;
    await waitFor(async () => ((last = await ask("www." + ZONES.nsec, "A").catch((e: Error) => e.message)) as DigResult)?.status === "NOERROR", {
      timeoutMs: 20_000,
      what: "unbound to answer",
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; unbound said:\n${unbound.logs()}\nlast answer: ${JSON.stringify(last)}`);
    });
  }, 120_000);

  afterAll(async () => {
    await unbound?.stop("SIGTERM", 5000);
    if (dir !== undefined) await removeTempDir(dir);
    await cluster?.stop();
  });

  const ask = (qname: string, qtype: string): Promise<DigResult> =>
    dig({ server: "127.0.0.1", port, qname, qtype, dnssec: true, extra: ["+rec", "+time=5"] });

  describe.each(Object.entries(ZONES))("%s zone", (_kind, zone) => {
    test.each([
      ["positive", `www.${zone}`, "A", "NOERROR", 1],
      ["NXDOMAIN", `nope.${zone}`, "A", "NXDOMAIN", 0],
      ["NODATA", `www.${zone}`, "AAAA", "NOERROR", 0],
      ["wildcard", `foo.wild.${zone}`, "A", "NOERROR", 1],
      ["wildcard NODATA", `foo.wild.${zone}`, "TXT", "NOERROR", 0],
    ])("%s answer is validated (AD set)", async (_what, qname, qtype, status, answers) => {
      const r = await ask(qname, qtype);
      expect(r.status).toBe(status);
      expect(r.flags).toContain("ad");
      expect(r.answer.filter((l) => !/ RRSIG /.test(l))).toHaveLength(answers as number);
    });
  });

  test("a change reaches every worker, still validated; AXFR out works for the allow-listed loopback", async () => {
    const sec = cluster.secondaries[0]!;
    await cluster.api.patchRRset(ZONES.nsec3, { name: `new.${ZONES.nsec3}`, type: "A", ttl: 60, records: ["192.0.2.99"], changetype: "REPLACE" });
    // Several queries so that both workers (the kernel spreads them) are asked.
    await waitFor(
      async () => {
        const rs = await Promise.all(Array.from({ length: 8 }, () => dig({ server: sec.address, port: sec.port, qname: `new.${ZONES.nsec3}`, qtype: "A" })));
        return rs.every((r) => r.answer.length === 1);
      },
      { timeoutMs: 30_000, what: "the new record on every worker" },
    );
    const r = await ask(`new.${ZONES.nsec3}`, "A");
    expect(r.flags).toContain("ad");
    const xfr = await dig({ server: sec.address, port: sec.port, qname: ZONES.nsec, qtype: "AXFR" }).catch((e: Error) => e);
    // dig prints no status line for a transfer: the harness parser rejects, so check the raw tool instead.
    expect(String((xfr as Error).message ?? "")).toMatch(/XFR size: \d+ records/);
  });
});
