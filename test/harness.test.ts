// Integration test of @pdns-distribute/test-harness: real nats-server (single + cluster), pdns, dig/kdig, daemons.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  dig,
  freePort,
  kdig,
  listChildPids,
  makeTempDir,
  pdnsApi,
  PdnsApiError,
  probeTcp,
  removeTempDir,
  runningChildren,
  spawnDaemon,
  startNatsCluster,
  startNatsServer,
  startLocalCluster,
  startPdns,
  waitFor,
} from "@pdns-distribute/test-harness";
import type { Pdns } from "@pdns-distribute/test-harness";

/** Minimal shape of the @nats-io v3 client calls used below (the packages live in packages/core). */
interface NatsClient {
  connect(opts: { servers: string[] }): Promise<{ close(): Promise<void> }>;
}
interface JetStreamModule {
  jetstreamManager(nc: unknown): Promise<{
    streams: {
      add(cfg: Record<string, unknown>): Promise<{ config: { num_replicas: number }; cluster?: { leader?: string; replicas?: unknown[] } }>;
    };
    jetstream(): { publish(subject: string, data: string): Promise<{ stream: string; seq: number }> };
  }>;
}

function requireFromCore<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve(id, { paths: [join(__dirname, "..", "packages", "core")] })) as T;
}

/** True while /proc/<pid> exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const baselineChildren = new Set(listChildPids());
const startedPids: number[] = [];

describe("test-harness", () => {
  test("freePort, makeTempDir and waitFor", async () => {
    const a = await freePort();
    const b = await freePort("127.0.0.1", "both");
    expect(a).not.toBe(b);
    expect(await probeTcp("127.0.0.1", a)).toBe(false);

    const dir = await makeTempDir("harness-test");
    expect(existsSync(dir)).toBe(true);
    await removeTempDir(dir);
    expect(existsSync(dir)).toBe(false);

    let n = 0;
    expect(await waitFor(() => (++n >= 3 ? n : undefined), { timeoutMs: 1000, intervalMs: 5, what: "three polls" })).toBe(3);
    await expect(waitFor(() => false, { timeoutMs: 100, intervalMs: 10, what: "the impossible" })).rejects.toThrow(
      /the impossible/,
    );
  });

  test("single nats-server starts, restarts on the same port and stops", async () => {
    const server = await startNatsServer({ serverName: "single" });
    try {
      startedPids.push(server.process.pid as number);
      expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
      expect(readFileSync(server.configFile, "utf8")).toContain("store_dir");
      expect(await probeTcp("127.0.0.1", server.port, "INFO ")).toBe(true);
      const varz = (await server.monitor("/varz")) as { server_name: string; jetstream?: unknown };
      expect(varz.server_name).toBe("single");
      expect(server.logs()).toMatch(/Server is ready/);

      server.kill("SIGKILL");
      await server.daemon.exited();
      expect(await probeTcp("127.0.0.1", server.port)).toBe(false);
      await server.restart();
      startedPids.push(server.process.pid as number);
      expect(await probeTcp("127.0.0.1", server.port, "INFO ")).toBe(true);
      expect(server.logs()).toMatch(/--- restart ---/);
    } finally {
      await server.stop();
    }
    expect(existsSync(server.dir)).toBe(false);
  });

  test("3-node nats cluster elects a meta leader and takes an R3 stream", async () => {
    const cluster = await startNatsCluster(3);
    try {
      startedPids.push(...cluster.servers.map((s) => s.process.pid as number));
      expect(cluster.servers.map((s) => s.serverName)).toEqual(["n1", "n2", "n3"]);
      expect(cluster.urls.split(",")).toHaveLength(3);
      expect(["n1", "n2", "n3"]).toContain(await cluster.waitForMetaLeader());

      const { connect } = requireFromCore<NatsClient>("@nats-io/transport-node");
      const { jetstreamManager } = requireFromCore<JetStreamModule>("@nats-io/jetstream");
      const nc = await connect({ servers: cluster.urls.split(",") });
      try {
        const jsm = await jetstreamManager(nc);
        const info = await jsm.streams.add({ name: "HARNESS", subjects: ["harness.>"], num_replicas: 3 });
        expect(info.config.num_replicas).toBe(3);
        expect(info.cluster?.replicas).toHaveLength(2);
        const ack = await jsm.jetstream().publish("harness.hello", "world");
        expect(ack).toMatchObject({ stream: "HARNESS", seq: 1 });
      } finally {
        await nc.close();
      }
    } finally {
      await cluster.stop();
    }
  });

  describe("pdns", () => {
    let pdns: Pdns;
    beforeAll(async () => {
      pdns = await startPdns();
      startedPids.push(pdns.process.pid as number);
    });
    afterAll(async () => {
      await pdns?.stop();
    });

    test("zone through the API is served over UDP and TCP", async () => {
      const api = pdnsApi(pdns);
      const zone = await api.createZone("example.org", {
        nameservers: ["ns1.example.org."],
        rrsets: [
          { name: "www.example.org.", type: "A", ttl: 300, records: ["192.0.2.1"] },
          { name: "txt.example.org.", type: "TXT", ttl: 60, records: ['"two  spaces" "x"'] },
        ],
      });
      expect(zone.name).toBe("example.org.");
      expect((await api.listZones()).map((z) => z.name)).toEqual(["example.org."]);

      const q = { server: pdns.dnsHost, port: pdns.dnsPort, qname: "www.example.org", qtype: "A" };
      const udp = await dig(q);
      expect(udp.status).toBe("NOERROR");
      expect(udp.flags).toEqual(expect.arrayContaining(["qr", "aa"]));
      expect(udp.answer).toEqual(["www.example.org. 300 IN A 192.0.2.1"]);
      expect(udp.raw).toContain("(UDP)");
      const tcp = await dig({ ...q, tcp: true });
      expect(tcp.answer).toEqual(udp.answer);
      expect(tcp.raw).toContain("(TCP)");
      expect((await kdig({ ...q, tcp: true })).answer).toEqual(udp.answer);
      expect((await dig({ ...q, qname: "txt.example.org", qtype: "TXT" })).answer).toEqual([
        'txt.example.org. 60 IN TXT "two  spaces" "x"',
      ]);

      const nx = await dig({ ...q, qname: "nope.example.org" });
      expect(nx.status).toBe("NXDOMAIN");
      expect(nx.authority[0]).toMatch(/^example\.org\. 3600 IN SOA /);

      await api.patchRRset("example.org", {
        name: "www.example.org",
        type: "A",
        ttl: 120,
        records: ["192.0.2.2", "192.0.2.3"],
        changetype: "REPLACE",
      });
      expect((await dig(q)).answer.sort()).toEqual([
        "www.example.org. 120 IN A 192.0.2.2",
        "www.example.org. 120 IN A 192.0.2.3",
      ]);
      const got = await api.getZone("example.org.");
      expect(got.rrsets.find((r) => r.type === "A")?.records).toHaveLength(2);

      // A wrong base URL override is honoured; errors carry status and body.
      const viaOverride = pdnsApi({ apiUrl: "http://127.0.0.1:1", apiKey: pdns.apiKey }, { baseUrl: pdns.apiUrl });
      await expect(viaOverride.getZone("missing.example.")).rejects.toBeInstanceOf(PdnsApiError);
      await expect(viaOverride.createZone("example.org", { nameservers: ["ns1.example.org."] })).rejects.toThrow(
        /409|422/,
      );
    });

    test("pdnsutil secure-zone makes answers signed", async () => {
      const secured = await pdns.pdnsutil(["secure-zone", "example.org"]);
      expect(secured.code).toBe(0);
      expect((await pdns.pdnsutil(["rectify-zone", "example.org"])).code).toBe(0);

      const signed = await dig({
        server: pdns.dnsHost,
        port: pdns.dnsPort,
        qname: "www.example.org",
        qtype: "A",
        dnssec: true,
      });
      expect(signed.answer.some((r) => /^www\.example\.org\. 120 IN RRSIG A 13 /.test(r))).toBe(true);
      const keys = await kdig({
        server: pdns.dnsHost,
        port: pdns.dnsPort,
        qname: "example.org",
        qtype: "DNSKEY",
        dnssec: true,
        tcp: true,
      });
      expect(keys.answer.some((r) => / IN DNSKEY 257 3 13 /.test(r))).toBe(true);
      expect(keys.answer.some((r) => / IN RRSIG DNSKEY /.test(r))).toBe(true);
    });

    test("restart keeps ports and data; deleteZone removes the zone", async () => {
      await pdns.restart();
      startedPids.push(pdns.process.pid as number);
      const q = { server: pdns.dnsHost, port: pdns.dnsPort, qname: "www.example.org", qtype: "A" };
      expect((await dig(q)).answer).toHaveLength(2);
      expect((await pdns.pdnsControl(["rping"])).stdout).toMatch(/PONG/);

      await pdnsApi(pdns).deleteZone("example.org");
      expect((await dig(q)).status).toBe("REFUSED");
    });
  });

  test("startLocalCluster starts secondaries at once: ids and order of the addresses, each its own port, all serving", async () => {
    const addresses = ["127.0.0.5", "127.0.0.6", "127.0.0.7", "127.0.0.8"];
    const cluster = await startLocalCluster({ secondaryAddresses: addresses, secondaryStartConcurrency: 4 });
    try {
      startedPids.push(...cluster.secondaries.map((s) => s.daemon.pid));
      expect(cluster.secondaries.map((s) => [s.id, s.address])).toEqual(addresses.map((a, k) => [`sec${k + 1}`, a]));
      expect(new Set(cluster.secondaries.map((s) => s.dbPath)).size).toBe(4);
      const more = await Promise.all([cluster.addSecondary("127.0.0.9"), cluster.addSecondary("127.0.0.10")]);
      expect(more.map((s) => s.id).sort()).toEqual(["sec5", "sec6"]);
      expect(cluster.secondaries.map((s) => s.id)).toEqual(["sec1", "sec2", "sec3", "sec4", "sec5", "sec6"]);
      await cluster.api.createZone("fan.example.", { nameservers: ["ns1.fan.example."], rrsets: [{ name: "www.fan.example.", type: "A", ttl: 60, records: ["192.0.2.7"] }] });
      for (const s of cluster.secondaries) {
        const answer = await waitFor(
          async () => ((await dig({ server: s.address, port: s.port, qname: "www.fan.example", qtype: "A" })).answer.some((r) => r.endsWith("192.0.2.7")) ? true : undefined),
          { timeoutMs: 30000, intervalMs: 200, what: `${s.id} serving fan.example` },
        );
        expect(answer).toBe(true);
      }
    } finally {
      await cluster.stop();
    }
  });

  test("spawnDaemon captures output and stops with SIGTERM, escalating to SIGKILL", async () => {
    const script = [
      "process.on('SIGTERM', () => { console.log('ignoring SIGTERM'); });",
      "console.log(JSON.stringify({level: 30, msg: 'started', port: 1234}));",
      "setInterval(() => {}, 1000);",
    ].join("\n");
    const daemon = spawnDaemon({ name: "stubborn", command: [process.execPath, "-e", script] });
    startedPids.push(daemon.pid);
    const line = await daemon.waitForLog((_, json) => json?.msg === "started", 5000);
    expect(JSON.parse(line)).toMatchObject({ port: 1234 });
    const code = await daemon.stop("SIGTERM", 300);
    expect(code).toBeNull();
    expect(daemon.process.signalCode).toBe("SIGKILL");
    expect(daemon.logs()).toContain("ignoring SIGTERM");
    await expect(daemon.waitForLog(/never/, 100)).rejects.toThrow(/exited/);
  });

  afterAll(() => {
    expect(runningChildren()).toEqual([]);
    expect(listChildPids().filter((pid) => !baselineChildren.has(pid))).toEqual([]);
    expect(startedPids.filter(alive)).toEqual([]);
  });
});
