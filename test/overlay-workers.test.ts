// DNS worker processes take a change as the RRset changes the secondary applied (an overlay), not by compiling the
// zone again from SQLite; past the overlay bound they compile it whole. Every answer stays that of the stored text.
import { answerQuery, compileZone, createZoneSet } from "@pdns-distribute/answer";
import { encodeQuestion, parseZoneTextWire } from "@pdns-distribute/dns";
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { askUdp, normalizedReply } from "./udp-answer-util";
import { expectConverged, logEntries, storedZoneTexts } from "./faults-util";

const ZONE = "workers.example.";
const RECORDS = 500;
const MAX_CHANGES = 6;
const CHANGES = 16;

describe("DNS workers take changes as an overlay", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({
      secondaryAddresses: ["127.0.0.2"],
      logLevel: "debug",
      secondaryDnsToml: "workers = 2\nrrl_responses_per_second = 0",
      secondarySyncToml: `overlay_max_changes = ${MAX_CHANGES}`,
    });
    const rrsets = Array.from({ length: RECORDS }, (_, i) => ({ name: `host-${i}.${ZONE}`, type: "A", ttl: 300, records: [`10.0.${i >> 8}.${i & 255}`] }));
    await cluster.api.createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets });
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("changes reach both workers as overlays, compactions reload the zone, answers equal the stored text's", async () => {
    const sec = cluster.secondaries[0] as LocalSecondary;
    const from = sec.daemon.lineCount();
    const names = [ZONE, `nope.${ZONE}`];
    for (let i = 0; i < CHANGES; i++) {
      const name = i % 2 === 0 ? `host-${i}.${ZONE}` : `new-${i}.${ZONE}`;
      names.push(name);
      await cluster.api.patchRRset(ZONE, { name, type: "A", ttl: 60, changetype: "REPLACE", records: [`192.0.2.${i}`] });
      // Asked from 8 source ports: both workers answer it.
      for (let k = 0; k < 8; k++) {
        await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: name, qtype: "A" })).answer.some((l) => l.endsWith(`192.0.2.${i}`)), {
          timeoutMs: 20_000,
          what: `change ${i} answered`,
        });
      }
    }
    await expectConverged(cluster);
    const lines = sec.daemon.logLines().slice(-(sec.daemon.lineCount() - from));
    const applied = logEntries(lines, "zone changes applied as an overlay").filter((j) => j.zone === ZONE);
    const reloaded = logEntries(lines, "zone reloaded from SQLite").filter((j) => j.zone === ZONE);
    // Each worker takes most changes as an overlay and compiles the zone whole once its overlay reaches the bound
    // (each PATCH is 2 RRset changes: the record and the SOA), at staggered counts (6 and 9 here).
    expect(applied.length + reloaded.length).toBe(2 * CHANGES);
    expect(reloaded.length).toBeGreaterThanOrEqual(2);
    expect(reloaded.length).toBeLessThanOrEqual(2 * Math.ceil((2 * CHANGES) / MAX_CHANGES));
    expect(applied.length).toBeGreaterThanOrEqual(CHANGES);
    expect(new Set(applied.map((j) => j.worker)).size).toBe(2);
    const text = storedZoneTexts(sec).get(ZONE) as string;
    const ctx = { zones: createZoneSet([compileZone(ZONE, parseZoneTextWire(text))]), logger: { warn() {}, error() {} }, transport: "udp" as const };
    for (const name of names) {
      for (const type of ["A", "SOA", "ANY"]) {
        const query = encodeQuestion(7, name, type, { ednsPayload: 1232 });
        const want = normalizedReply(answerQuery(query, ctx) as Buffer);
        for (let k = 0; k < 4; k++) expect(`${name} ${type} ${normalizedReply(await askUdp(sec, query))}`).toBe(`${name} ${type} ${want}`);
      }
    }
  });
});
