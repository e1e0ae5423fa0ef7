// The SmartDNS / dproxy front with real dnsdist and pdns_recursor: internal and external names, dproxy routes,
// zones routed within 1 s of their creation through the api-proxy and unrouted after deletion, restarts.
import { readFile } from "node:fs/promises";
import { dig, startLocalCluster, startLocalFront, waitFor } from "@pdns-distribute/test-harness";
import type { DigResult, LocalCluster, LocalFront } from "@pdns-distribute/test-harness";

const ask = (f: { host: string; port: number }, qname: string, qtype = "A", tcp = false): Promise<DigResult> =>
  dig({ server: f.host, port: f.port, qname, qtype, tcp, extra: ["+recurse"] }); // as a stub resolver asks (RD=1)

/** Answer records without their TTLs (caches count them down). */
const records = (r: DigResult): string[] => r.answer.map((l) => l.replace(/^(\S+) \d+ /, "$1 "));

async function createZone(cluster: LocalCluster, zone: string, address: string): Promise<void> {
  await cluster.api.createZone(zone, {
    nameservers: [`ns1.${zone}`],
    rrsets: [
      { name: `ns1.${zone}`, type: "A", ttl: 3600, records: ["192.0.2.1"] },
      { name: `www.${zone}`, type: "A", ttl: 300, records: [address] },
    ],
  });
}

/** Milliseconds until `check` passes on the answer from `server` (polled every 10 ms, at most 5 s). */
async function msUntil(server: { host: string; port: number }, qname: string, check: (r: DigResult) => boolean, t0: number): Promise<number> {
  await waitFor(async () => check(await ask(server, qname)), { timeoutMs: 5000, intervalMs: 10, what: `${qname} through ${server.port}` });
  return performance.now() - t0;
}

describe("front: dnsdist + pdns-recursor kept current by the front-sync", () => {
  let cluster: LocalCluster;
  let front: LocalFront;
  const dd = () => front.dnsdist;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    await createZone(cluster, "before.example.", "192.0.2.20"); // exists before the front starts
    await waitFor(async () => (await ask({ host: cluster.secondaries[1]!.address, port: cluster.secondaries[1]!.port }, "www.before.example.")).status === "NOERROR", {
      timeoutMs: 10_000,
      what: "before.example. on the secondaries",
    });
    front = await startLocalFront(cluster);
  });
  afterAll(async () => {
    await front?.stop();
    await cluster?.stop();
  });

  test("a zone that existed before the front started is routed to the secondaries (AA answer) at once", async () => {
    const r = await ask(dd(), "www.before.example.");
    expect(r.status).toBe("NOERROR");
    expect(r.flags).toContain("aa");
    expect(records(r)).toEqual(["www.before.example. IN A 192.0.2.20"]);
  });

  test("external names go to the recursor and its (stand-in) internet", async () => {
    for (const tcp of [false, true]) {
      const r = await ask(dd(), "www.external.test.", "A", tcp);
      expect(r.status).toBe("NOERROR");
      expect(r.flags).not.toContain("aa");
      expect(records(r)).toEqual(["www.external.test. IN A 192.0.2.80"]);
    }
    expect((await ask(dd(), "nosuch.external.test.")).status).toBe("NXDOMAIN");
  });

  test("dproxy route: the domain and its subdomains go to the route's server, which the recursor does not know", async () => {
    expect(records(await ask(dd(), "host.corp.example."))).toEqual(["host.corp.example. IN A 198.51.100.7"]);
    expect(records(await ask(dd(), "a.b.corp.example."))).toEqual(["a.b.corp.example. IN A 198.51.100.8"]);
    expect((await ask(dd(), "corp.example.", "SOA")).status).toBe("NOERROR");
    expect((await ask(front.recursor, "host.corp.example.")).status).toBe("NXDOMAIN");
  });

  test("the recursor itself resolves the distributed zones (forward-zones file) for hosts that ask it directly", async () => {
    const r = await ask(front.recursor, "www.before.example.");
    expect(r.status).toBe("NOERROR");
    expect(records(r)).toEqual(["www.before.example. IN A 192.0.2.20"]);
    expect(await readFile(front.forwardZonesFile, "utf8")).toContain("before.example.=");
  });

  test("a zone created through the api-proxy is answered through the front in under 1 s; deleted: no longer routed", async () => {
    // Asked first (NXDOMAIN from the stand-in internet, cached by the recursor and dnsdist's cache).
    expect((await ask(dd(), "www.fresh.example.")).status).toBe("NXDOMAIN");
    expect((await ask(front.recursor, "www.fresh.example.")).status).toBe("NXDOMAIN");
    const t0 = performance.now();
    await createZone(cluster, "fresh.example.", "192.0.2.30");
    const created = performance.now() - t0;
    const viaFront = await msUntil(dd(), "www.fresh.example.", (r) => records(r)[0] === "www.fresh.example. IN A 192.0.2.30", t0);
    const viaRecursor = await msUntil(front.recursor, "www.fresh.example.", (r) => records(r)[0] === "www.fresh.example. IN A 192.0.2.30", t0);
    process.stderr.write(`front: POST took ${created.toFixed(0)} ms; answered through dnsdist after ${viaFront.toFixed(0)} ms, by the recursor after ${viaRecursor.toFixed(0)} ms\n`);
    expect(viaFront).toBeLessThan(1000);
    expect(viaRecursor).toBeLessThan(1000);

    const t1 = performance.now();
    await cluster.api.deleteZone("fresh.example.");
    const gone = await msUntil(dd(), "www.fresh.example.", (r) => r.status === "NXDOMAIN", t1);
    const goneRec = await msUntil(front.recursor, "www.fresh.example.", (r) => r.status === "NXDOMAIN", t1);
    process.stderr.write(`front: after DELETE, NXDOMAIN through dnsdist after ${gone.toFixed(0)} ms, from the recursor after ${goneRec.toFixed(0)} ms\n`);
    expect(await readFile(front.forwardZonesFile, "utf8")).not.toContain("fresh.example.");
    const rules = await dd().console("showRules()");
    expect(rules).toMatch(/pdns-distribute-zones-\d+/);
    expect((await ask(dd(), "www.fresh.example.")).flags).not.toContain("aa");
  });

  test("dnsdist restarted (rule lost): the front-sync puts it back within its check interval", async () => {
    await dd().restart();
    expect((await ask(dd(), "www.before.example.")).flags).not.toContain("aa"); // via the recursor meanwhile
    await waitFor(async () => (await ask(dd(), "www.before.example.")).flags.includes("aa"), { timeoutMs: 10_000, intervalMs: 100, what: "rule back" });
  });

  test("front-sync restarted: zones created meanwhile are listed from the secondaries and routed", async () => {
    await front.frontSync.stop();
    await createZone(cluster, "while-down.example.", "192.0.2.40");
    await waitFor(async () => (await ask({ host: cluster.secondaries[0]!.address, port: cluster.secondaries[0]!.port }, "www.while-down.example.")).status === "NOERROR", {
      timeoutMs: 10_000,
      what: "while-down.example. on the secondary",
    });
    await front.restartFrontSync();
    const r = await ask(dd(), "www.while-down.example.");
    expect(r.flags).toContain("aa");
    expect(records(r)).toEqual(["www.while-down.example. IN A 192.0.2.40"]);
  });
});
