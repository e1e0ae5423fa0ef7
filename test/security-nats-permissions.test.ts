// The whole cluster on a nats-server that grants each daemon exactly the subjects listed in
// docs/nats-server.sample.conf (one user per daemon and per secondary): zones propagate, no daemon hits a
// permission violation, and a secondary's credentials cannot publish zone events or pose as the zone-provider.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SUBJECTS, QUEUE_GROUPS, connectNats, createLogger, natsConfigSchema } from "@pdns-distribute/core";
import { dig, sleep, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";
import { createZone, expectConverged, setVersion } from "./faults-util";

/** The `authorization { … }` block of the sample config, secondaries ns2/ns3 renamed to the harness' sec1/sec2. */
function sampleAuthorization(): string {
  const text = readFileSync(join(__dirname, "..", "docs", "nats-server.sample.conf"), "utf8");
  const start = text.indexOf("authorization {");
  const end = text.indexOf("\n}\n", start);
  return text.slice(start, end + 2).replace(/ns2/g, "sec1").replace(/ns3/g, "sec2");
}

const password = (user: string) => `change-me-${user}`;
const natsUser = (user: string) => `user = "${user}"\npassword = "${password(user)}"`;

describe("security: per-daemon NATS permissions", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      natsServer: { extraConfig: sampleAuthorization() },
      extraToml: {
        "health-checker": "[checks]\nperiodic_interval_s = 2\nevent_check_delay_s = 0.5\ncontent_audit_interval_s = 0.5\n", // compare soon
        "zone-provider": "[zone_text]\ninline_max_bytes = 1024\n", // zones over 1 KiB go through the object store
      },
      natsExtraTomlFor: {
        "api-proxy": natsUser("api-proxy"),
        "zone-provider": natsUser("zone-provider"),
        "health-checker": natsUser("health-checker"),
        secondary: (id) => natsUser(`secondary-${id}`),
      },
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const violations = () => cluster.nats.logs().split("\n").filter((l) => /Violation/i.test(l));

  test("zones propagate, resyncs and status work, and no daemon is refused anything", async () => {
    await createZone(cluster.api, "perm.test.", [{ name: "www.perm.test.", type: "A", ttl: 60, records: ["192.0.2.55"] }]);
    await setVersion(cluster.api, "perm.test.", "1");
    await expectConverged(cluster);
    for (const sec of cluster.secondaries) {
      const r = await dig({ server: sec.address, port: sec.port, qname: "www.perm.test.", qtype: "A" });
      expect(r.answer).toEqual(["www.perm.test. 60 IN A 192.0.2.55"]);
    }
    // The health-checker compares (zone-state requests) and reports status over NATS.
    let last = "";
    await waitFor(async () => {
      last = await (await fetch(`${cluster.healthCheckerUrl}/status`)).text();
      const status = JSON.parse(last) as { secondaries?: Array<{ lastChecked?: string | null }> };
      return (status.secondaries ?? []).length === 2 && (status.secondaries ?? []).every((s) => typeof s.lastChecked === "string");
    }, { timeoutMs: 30_000, what: "health-checker compared both secondaries" }).catch((err: Error) => {
      throw new Error(`${err.message}: ${last}\n${cluster.healthChecker.logs().slice(-3000)}`);
    });
    // The content audit asks the zone-provider (pdns.zone.digest) and both secondaries (state with content).
    await waitFor(async () => /pdnsd_health_content_audits_total\{[^}]*result="match"[^}]*\} [2-9]/.test(await (await fetch(`${cluster.healthCheckerUrl}/metrics`)).text()), {
      timeoutMs: 15_000,
      what: "content audit matched both secondaries",
    });
    expect(violations()).toEqual([]);
  });

  test("a zone text too large to travel inline goes through the object store with these permissions", async () => {
    const hosts = Array.from({ length: 60 }, (_, i) => ({ name: `host${i}.big.perm.test.`, type: "A", ttl: 60, records: [`192.0.2.${i + 1}`] }));
    await createZone(cluster.api, "big.perm.test.", hosts);
    for (const sec of cluster.secondaries) {
      await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: "host59.big.perm.test.", qtype: "A" })).answer.length === 1, {
        timeoutMs: 20_000,
        what: `${sec.id} serving a zone fetched from the object store`,
      });
    }
    expect(cluster.zoneProvider.logs()).toMatch(/zone text stored in the object store/);
    expect(violations()).toEqual([]);
  });

  test("a secondary's credentials cannot publish zone events nor answer zone-data requests", async () => {
    const cfg = natsConfigSchema.parse({ servers: [cluster.nats.url], user: "secondary-sec1", password: password("secondary-sec1") });
    const nc = await connectNats(cfg, "rogue", createLogger("test", "silent"));
    nc.publish(SUBJECTS.zoneModified, "{}");
    nc.subscribe(SUBJECTS.zoneData, { queue: QUEUE_GROUPS.zoneProvider });
    nc.publish("pdns.secondary.sec2.applied", "{}"); // not its own id
    await nc.flush().catch(() => undefined);
    await sleep(300);
    await nc.close().catch(() => undefined);
    const v = violations().join("\n");
    expect(v).toMatch(/Publish.*pdns\.zone\.events\.modified/);
    expect(v).toMatch(/Subscri.*pdns\.zone\.data/);
    expect(v).toMatch(/Publish.*pdns\.secondary\.sec2\.applied/);
  });
});
