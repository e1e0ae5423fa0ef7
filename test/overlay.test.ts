// Changes served as an overlay on real secondaries: every answer stays that of the stored text compiled whole, through
// many changes of every kind and background compactions, and after a SIGKILL and restart.
import { answerQuery, compileZone, createZoneSet } from "@pdns-distribute/answer";
import type { CompiledZone } from "@pdns-distribute/answer";
import { encodeQuestion, parseZoneTextWire } from "@pdns-distribute/dns";
import { dig, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary, RRsetChange } from "@pdns-distribute/test-harness";
import { askUdp, normalizedReply } from "./udp-answer-util";
import { expectConverged, storedZoneTexts } from "./faults-util";

const ZONE = "overlay.example.";
const RECORDS = 2_000;
/** Small, so the changes below compact each secondary's zone several times. */
const MAX_CHANGES = 8;

/** Value of one Prometheus sample summed over the lines that match (0 when absent). */
async function metric(sec: LocalSecondary, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${sec.metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** Changes of every kind the fast path takes: replace, add names and types, delete names, multi-record RRsets, wildcards. */
function changeNumber(i: number): { change: RRsetChange; name: string; type: string; expect: string | null } {
  const n = `host-${(i * 37) % RECORDS}.${ZONE}`;
  const kinds: Array<() => { change: RRsetChange; name: string; type: string; expect: string | null }> = [
    () => ({ change: { name: n, type: "A", ttl: 120, changetype: "REPLACE", records: [`192.0.2.${i % 250}`] }, name: n, type: "A", expect: `192.0.2.${i % 250}` }),
    () => ({ change: { name: `new-${i}.deep.${ZONE}`, type: "TXT", ttl: 60, changetype: "REPLACE", records: [`"n${i}"`] }, name: `new-${i}.deep.${ZONE}`, type: "TXT", expect: `"n${i}"` }),
    () => ({ change: { name: n, type: "A", ttl: 300, changetype: "DELETE", records: [] }, name: n, type: "A", expect: null }),
    () => ({ change: { name: `rr.${ZONE}`, type: "A", ttl: 300, changetype: "REPLACE", records: ["198.51.100.1", "198.51.100.2", `198.51.100.${3 + (i % 50)}`] }, name: `rr.${ZONE}`, type: "A", expect: `198.51.100.${3 + (i % 50)}` }),
    () => ({ change: { name: `*.w.${ZONE}`, type: "TXT", ttl: 60, changetype: i % 2 === 0 ? "REPLACE" : "DELETE", records: i % 2 === 0 ? [`"w${i}"`] : [] }, name: `x.w.${ZONE}`, type: "TXT", expect: i % 2 === 0 ? `"w${i}"` : null }),
    () => ({ change: { name: `mx.${ZONE}`, type: "MX", ttl: 300, changetype: "REPLACE", records: [`10 host-${i}.${ZONE}`] }, name: `mx.${ZONE}`, type: "MX", expect: `10 host-${i}.${ZONE}` }),
  ];
  return (kinds[i % kinds.length] as () => { change: RRsetChange; name: string; type: string; expect: string | null })();
}

describe("changes served as an overlay (real secondaries)", () => {
  let cluster: LocalCluster;
  const touched = new Set<string>();

  beforeAll(async () => {
    cluster = await startLocalCluster({ secondaryDnsToml: "rrl_responses_per_second = 0", secondarySyncToml: `overlay_max_changes = ${MAX_CHANGES}` });
    const rrsets = Array.from({ length: RECORDS }, (_, i) => ({ name: `host-${i}.${ZONE}`, type: "A", ttl: 300, records: [`10.0.${i >> 8}.${i & 255}`] }));
    await cluster.api.createZone(ZONE, { nameservers: [`ns1.${ZONE}`], rrsets });
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** Every secondary answers like the text it stored, compiled whole, for the names touched and a few others. */
  async function expectAnswersOfStoredText(): Promise<void> {
    const names = [ZONE, `host-1.${ZONE}`, `nope.${ZONE}`, `deep.${ZONE}`, `y.x.w.${ZONE}`, ...touched];
    for (const sec of cluster.secondaries) {
      const text = storedZoneTexts(sec).get(ZONE) as string;
      const compiled: CompiledZone = compileZone(ZONE, parseZoneTextWire(text));
      const ctx = { zones: createZoneSet([compiled]), logger: { warn() {}, error() {} }, transport: "udp" as const };
      for (const name of names) {
        for (const type of ["A", "TXT", "MX", "ANY", "SOA"]) {
          const query = encodeQuestion(7, name, type, { ednsPayload: 1232 });
          const want = normalizedReply(answerQuery(query, ctx) as Buffer);
          expect(`${sec.id} ${name} ${type} ${normalizedReply(await askUdp(sec, query))}`).toBe(`${sec.id} ${name} ${type} ${want}`);
        }
      }
    }
  }

  test("through 30 changes of every kind and several compactions, each secondary answers what it stored", async () => {
    for (let i = 0; i < 30; i++) {
      const { change, name, type, expect: want } = changeNumber(i);
      touched.add(name);
      touched.add(change.name.replace("*", "star"));
      await cluster.api.patchRRset(ZONE, change);
      for (const sec of cluster.secondaries) {
        await waitFor(
          async () => {
            const answer = (await dig({ server: sec.address, port: sec.port, qname: name, qtype: type })).answer;
            return want === null ? !answer.some((l) => l.includes(`\t${type}\t`)) : answer.some((l) => l.endsWith(want));
          },
          { timeoutMs: 20_000, what: `${sec.id} answers change ${i} (${change.changetype} ${change.name} ${change.type})` },
        );
      }
    }
    await expectConverged(cluster);
    for (const sec of cluster.secondaries) {
      await waitFor(async () => (await metric(sec, "pdnsd_zone_compactions_total", 'result="swapped"')) >= 2, { timeoutMs: 30_000, what: `${sec.id} compacts` });
      expect(await metric(sec, "pdnsd_zone_versions_prepared_total", 'how="overlay"')).toBeGreaterThanOrEqual(25);
    }
    await expectAnswersOfStoredText();
  });

  test("after a SIGKILL and a restart the secondary answers its stored version, and takes overlays again", async () => {
    const sec = cluster.secondaries[0] as LocalSecondary;
    sec.daemon.kill("SIGKILL");
    await sec.daemon.exited();
    await sec.restart();
    await expectAnswersOfStoredText();
    const { change, name, type, expect: want } = changeNumber(30);
    await cluster.api.patchRRset(ZONE, change);
    await waitFor(async () => (await dig({ server: sec.address, port: sec.port, qname: name, qtype: type })).answer.some((l) => l.endsWith(want as string)), {
      timeoutMs: 20_000,
      what: `${sec.id} answers the change after its restart`,
    });
    await expectConverged(cluster);
    expect(await metric(sec, "pdnsd_zone_versions_prepared_total", 'how="overlay"')).toBeGreaterThanOrEqual(1);
    await expectAnswersOfStoredText();
  });
});
