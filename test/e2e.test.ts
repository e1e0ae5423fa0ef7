// End to end with real servers: a zone created, changed and deleted through the api-proxy is answered
// (or no longer answered) by both secondaries, checked with dig over UDP and TCP.
import {
  SUBJECTS,
  connectNats,
  createLogger,
  decodeMessage,
  encodeMessage,
  natsConfigSchema,
  zoneDataReplySchema,
} from "@pdns-distribute/core";
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { DigResult, LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";

const ZONE = "example.org.";

async function ask(sec: LocalSecondary, qname: string, qtype: string, tcp = false): Promise<DigResult> {
  return dig({ server: sec.address, port: sec.port, qname, qtype, tcp });
}

/** Waits until `check` passes on the secondary's answer over both UDP and TCP. */
async function expectEventually(
  sec: LocalSecondary,
  qname: string,
  qtype: string,
  check: (r: DigResult) => boolean,
  what: string,
): Promise<void> {
  for (const tcp of [false, true]) {
    await waitFor(async () => check(await ask(sec, qname, qtype, tcp)), {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: `${sec.id} ${tcp ? "TCP" : "UDP"}: ${what}`,
    });
  }
}

describe("end to end through the api-proxy", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("health-checker sees both secondaries' heartbeats", async () => {
    for (const sec of cluster.secondaries) {
      await cluster.healthChecker.waitForLog((_l, j) => j?.msg === "secondary active" && j.secondary === sec.id, 10_000);
    }
  });

  test("create: every record type is answered by both secondaries with AA", async () => {
    await cluster.api.createZone(ZONE, {
      nameservers: ["ns1.example.org.", "ns2.example.org."],
      rrsets: [
        { name: "ns1.example.org.", type: "A", ttl: 3600, records: ["192.0.2.1"] },
        { name: "www.example.org.", type: "A", ttl: 300, records: ["192.0.2.10"] },
        { name: "www.example.org.", type: "AAAA", ttl: 300, records: ["2001:db8::10"] },
        { name: "example.org.", type: "MX", ttl: 300, records: ["10 mail.example.org."] },
        { name: "mail.example.org.", type: "A", ttl: 300, records: ["192.0.2.25"] },
        { name: "example.org.", type: "TXT", ttl: 300, records: ['"v=spf1 -all"'] },
        { name: "example.org.", type: "CAA", ttl: 300, records: ['0 issue "letsencrypt.org"'] },
        { name: "alias.example.org.", type: "CNAME", ttl: 300, records: ["www.example.org."] },
        { name: "_sip._tcp.example.org.", type: "SRV", ttl: 300, records: ["10 60 5060 sip.example.org."] },
        { name: "10.example.org.", type: "PTR", ttl: 300, records: ["www.example.org."] },
      ],
    });
    for (const sec of cluster.secondaries) {
      await expectEventually(sec, "www.example.org", "A", (r) => r.answer.includes("www.example.org. 300 IN A 192.0.2.10"), "www A");
      const udp = await ask(sec, "www.example.org", "A");
      expect(udp.status).toBe("NOERROR");
      expect(udp.flags).toContain("aa");
      const cases: Array<[string, string, string]> = [
        ["www.example.org", "AAAA", "www.example.org. 300 IN AAAA 2001:db8::10"],
        ["example.org", "MX", "example.org. 300 IN MX 10 mail.example.org."],
        ["example.org", "TXT", 'example.org. 300 IN TXT "v=spf1 -all"'],
        ["example.org", "CAA", 'example.org. 300 IN CAA 0 issue "letsencrypt.org"'],
        ["example.org", "NS", "example.org. 3600 IN NS ns1.example.org."],
        ["alias.example.org", "CNAME", "alias.example.org. 300 IN CNAME www.example.org."],
        ["_sip._tcp.example.org", "SRV", "_sip._tcp.example.org. 300 IN SRV 10 60 5060 sip.example.org."],
        ["10.example.org", "PTR", "10.example.org. 300 IN PTR www.example.org."],
      ];
      for (const tcp of [false, true]) {
        for (const [qname, qtype, line] of cases) {
          const r = await ask(sec, qname, qtype, tcp);
          expect({ q: `${qname}/${qtype}`, status: r.status, aa: r.flags.includes("aa"), has: r.answer.includes(line) }).toEqual({
            q: `${qname}/${qtype}`,
            status: "NOERROR",
            aa: true,
            has: true,
          });
        }
        const soa = await ask(sec, "example.org", "SOA", tcp);
        expect(soa.answer[0]).toMatch(/^example\.org\. \d+ IN SOA /);
        // CNAME is followed inside the zone.
        const alias = await ask(sec, "alias.example.org", "A", tcp);
        expect(alias.answer).toEqual(["alias.example.org. 300 IN CNAME www.example.org.", "www.example.org. 300 IN A 192.0.2.10"]);
        // NXDOMAIN and NODATA carry the SOA in the authority section.
        const nx = await ask(sec, "nope.example.org", "A", tcp);
        expect(nx.status).toBe("NXDOMAIN");
        expect(nx.flags).toContain("aa");
        expect(nx.authority[0]).toMatch(/^example\.org\. \d+ IN SOA /);
        const nodata = await ask(sec, "www.example.org", "MX", tcp);
        expect(nodata.status).toBe("NOERROR");
        expect(nodata.answer).toEqual([]);
        expect(nodata.authority[0]).toMatch(/^example\.org\. \d+ IN SOA /);
        // Outside our zones.
        const refused = await ask(sec, "www.example.com", "A", tcp);
        expect(refused.status).toBe("REFUSED");
        expect(refused.flags).not.toContain("aa");
      }
    }
  });

  test("change: a PATCH through the proxy reaches both secondaries", async () => {
    await cluster.api.patchRRset(ZONE, {
      name: "www.example.org.",
      type: "A",
      ttl: 300,
      records: ["192.0.2.20", "192.0.2.21"],
      changetype: "REPLACE",
    });
    for (const sec of cluster.secondaries) {
      await expectEventually(
        sec,
        "www.example.org",
        "A",
        (r) => r.answer.includes("www.example.org. 300 IN A 192.0.2.20") && r.answer.includes("www.example.org. 300 IN A 192.0.2.21"),
        "www A changed",
      );
    }
    // The serial on the secondaries is the primary's.
    const primary = await dig({ server: cluster.pdns.dnsHost, port: cluster.pdns.dnsPort, qname: ZONE, qtype: "SOA" });
    for (const sec of cluster.secondaries) {
      await expectEventually(sec, ZONE, "SOA", (r) => r.answer[0] === primary.answer[0], "SOA equals the primary's");
    }
  });

  test("restart: a secondary serves from SQLite at once, even with NATS down", async () => {
    const sec = cluster.secondaries[0] as LocalSecondary;
    await cluster.nats.daemon.stop();
    await sec.restart();
    const r = await ask(sec, "www.example.org", "A");
    expect(r.answer).toContain("www.example.org. 300 IN A 192.0.2.20");
    await cluster.nats.restart();
    await sec.daemon.waitForLog(/connected to NATS/, 20_000);
    // Changes made while it was away still arrive.
    await cluster.api.patchRRset(ZONE, { name: "new.example.org.", type: "A", ttl: 60, records: ["192.0.2.99"], changetype: "REPLACE" });
    for (const s of cluster.secondaries) {
      await expectEventually(s, "new.example.org", "A", (x) => x.answer.includes("new.example.org. 60 IN A 192.0.2.99"), "new A");
    }
  });

  test("DNSSEC: a zone signed on the primary reaches the secondaries with its DNSSEC records (AXFR)", async () => {
    const sec = await cluster.pdns.pdnsutil(["secure-zone", ZONE]);
    expect(sec.code).toBe(0);
    // rectify through the proxy: a zone change, so an event is published
    await cluster.api.request("PUT", `/zones/${ZONE}/rectify`);
    for (const s of cluster.secondaries) {
      await expectEventually(s, ZONE, "DNSKEY", (r) => r.answer.some((l) => / IN DNSKEY 257 3 13 /.test(l)), "DNSKEY");
      const signed = await dig({ server: s.address, port: s.port, qname: "www.example.org", qtype: "A", dnssec: true });
      expect(signed.answer.some((l) => / IN RRSIG A 13 3 300 /.test(l))).toBe(true);
    }
  });

  test("zone-provider: signed data for a zone, an explicit not-found for an unknown one", async () => {
    const nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("t", "silent"));
    try {
      const ask = async (zone: string) =>
        decodeMessage(
          zoneDataReplySchema,
          (await nc.request(SUBJECTS.zoneData, encodeMessage({ type: "zone.data.request", version: 1, zone }), { timeout: 5000 })).data,
          "reply",
        );
      const known = await ask(ZONE);
      expect(known.type).toBe("zone.data");
      if (known.type === "zone.data") {
        expect(known.zoneText).toMatch(/^example\.org\. 3600 IN SOA /);
        expect(known.zoneText).toMatch(/ IN RRSIG /);
        expect(known.zoneText).toMatch(/ IN NSEC /);
      }
      expect(await ask("nosuch.example.")).toMatchObject({ type: "error", code: "PDNSD_ZONE_NOT_FOUND" });
      const bad = await nc.request(SUBJECTS.zoneData, Buffer.from("{oops"), { timeout: 5000 });
      expect(JSON.parse(Buffer.from(bad.data).toString())).toMatchObject({ type: "error", code: "PDNSD_MESSAGE_INVALID" });
    } finally {
      await nc.drain();
    }
  });

  test("delete: the zone is no longer served by either secondary", async () => {
    await cluster.api.deleteZone(ZONE);
    for (const sec of cluster.secondaries) {
      await expectEventually(sec, "www.example.org", "A", (r) => r.status === "REFUSED", "zone gone");
    }
  });

  test("PowerDNS down: the proxy answers 502 with a JSON error and publishes nothing", async () => {
    const published = (cluster.apiProxy.logs().match(/zone event (published|stored in the outbox)/g) ?? []).length;
    await cluster.pdns.daemon.stop();
    const res = await fetch(`${cluster.proxyUrl}/api/v1/servers/localhost/zones`, {
      method: "POST",
      headers: { "X-API-Key": cluster.pdns.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "down.example.", kind: "Native", nameservers: ["ns1.down.example."] }),
    });
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toMatch(/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(/unreachable/);
    expect((cluster.apiProxy.logs().match(/zone event (published|stored in the outbox)/g) ?? []).length).toBe(published);
    await cluster.pdns.restart();
  });
});
