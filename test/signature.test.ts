// Forged or tampered zone data is rejected by the secondaries, which keep serving the old data.
import { readFileSync } from "node:fs";
import {
  QUEUE_GROUPS,
  SUBJECTS,
  connectNats,
  createLogger,
  decodeKey,
  encodeMessage,
  generateKeyPair,
  natsConfigSchema,
  signZone,
} from "@pdns-distribute/core";
import type { NatsConnection, SignedZone } from "@pdns-distribute/core";
import { dig, sleep, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";

const ZONE = "signed.example.";

describe("zone data signatures", () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    nc = await connectNats(natsConfigSchema.parse({ servers: [cluster.nats.url] }), "test", createLogger("test", "silent"));
    await cluster.api.createZone(ZONE, {
      nameservers: ["ns1.signed.example."],
      rrsets: [{ name: `www.${ZONE}`, type: "A", ttl: 300, records: ["192.0.2.1"] }],
    });
    for (const sec of cluster.secondaries) {
      await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: `www.${ZONE}`, qtype: "A" })).answer.length === 1, {
        timeoutMs: 15_000,
        what: `${sec.id} serves ${ZONE}`,
      });
    }
    // From now on a rogue responder answers zone-data requests instead of the real zone-provider.
    await cluster.zoneProvider.stop();
  });
  afterAll(async () => {
    await nc?.drain();
    await cluster?.stop();
  });

  async function withRogueProvider(forge: (serial: number) => SignedZone, change: () => Promise<void>): Promise<void> {
    const sub = nc.subscribe(SUBJECTS.zoneData, { queue: QUEUE_GROUPS.zoneProvider });
    let answered = 0;
    const loop = (async () => {
      for await (const msg of sub) {
        answered++;
        msg.respond(encodeMessage(forge(4_000_000_000)));
      }
    })();
    const marks = cluster.secondaries.map((s) => s.daemon.lineCount());
    await change();
    for (const [i, sec] of cluster.secondaries.entries()) {
      // Not the zone-provider's answer to this request: never applied, asked for again later (never final). (An
      // earlier test's event may also be retrying meanwhile, failing with no responder at all.)
      const line = await sec.daemon.waitForLog((_l, j) => j?.msg === "zone sync failed, will retry" && j.zone === ZONE && j.code === "PDNSD_ZONE_SIGNATURE_INVALID", 15_000, marks[i]);
      expect(line).toContain("PDNSD_ZONE_SIGNATURE_INVALID");
    }
    expect(answered).toBeGreaterThanOrEqual(cluster.secondaries.length);
    await sub.drain();
    await loop;
    await sleep(100);
    for (const sec of cluster.secondaries) {
      for (const tcp of [false, true]) {
        const r = await dig({ server: sec.address, port: sec.port, qname: `www.${ZONE}`, qtype: "A", tcp });
        expect(r.answer).toEqual([`www.${ZONE} 300 IN A 192.0.2.1`]);
      }
    }
  }

  const forgedText = (serial: number) =>
    `${ZONE} 3600 IN SOA ns1.${ZONE} hostmaster.${ZONE} ${serial} 10800 3600 604800 3600\n` +
    `${ZONE} 3600 IN NS ns1.${ZONE}\nwww.${ZONE} 300 IN A 203.0.113.66\n`;

  test("data signed with a different key is rejected", async () => {
    const rogueKey = generateKeyPair();
    await withRogueProvider(
      (serial) => signZone(ZONE, serial, forgedText(serial), rogueKey.secretKey),
      () => cluster.api.patchRRset(ZONE, { name: `x.${ZONE}`, type: "A", ttl: 60, records: ["192.0.2.7"], changetype: "REPLACE" }),
    );
  });

  test("data altered after signing with the real key is rejected", async () => {
    const realKey = decodeKey(readFileSync(cluster.secretKeyFile, "utf8"), 64, "secret key");
    await withRogueProvider(
      (serial) => {
        const genuine = signZone(ZONE, serial, forgedText(serial).replace("203.0.113.66", "192.0.2.1"), realKey);
        return { ...genuine, zoneText: forgedText(serial) };
      },
      () => cluster.api.patchRRset(ZONE, { name: `y.${ZONE}`, type: "A", ttl: 60, records: ["192.0.2.8"], changetype: "REPLACE" }),
    );
  });
});
