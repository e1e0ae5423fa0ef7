// A zone-text delta turned into RRset changes and applied as an overlay answers like the new text compiled whole.
import { diffZoneText, encodeQuestion, parseZoneTextWire, renderZoneText } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { answerQuery, applyRRsetChanges, compileZone, createZoneSet, overlayChanges } from "@pdns-distribute/answer";
import type { CompiledZone } from "@pdns-distribute/answer";
import pino from "pino";
import { createOverlayCompactor, createServedZones, rrsetChangesOfDelta } from "@pdns-distribute/secondary-syncer";
import { seededRandom } from "@pdns-distribute/test-harness";

const ZONE = "dc.test.";


const soa = (serial: number): ZoneRecord => ({ name: ZONE, type: "SOA", ttl: 3600, rdata: `ns1.${ZONE} h.${ZONE} ${serial} 7200 3600 1209600 300` });
const NAMES = ["a", "b", "c", "*.w", "x.y", "mail"].map((l) => `${l}.${ZONE}`);

/** A random record: A, TXT or MX at one of a few names, TTLs differing within an RRset now and then. */
function randomRecord(rand: () => number): ZoneRecord {
  const name = NAMES[Math.floor(rand() * NAMES.length)] as string;
  const ttl = rand() < 0.7 ? 300 : 600;
  const k = Math.floor(rand() * 3);
  if (k === 0) return { name, type: "A", ttl, rdata: `192.0.2.${Math.floor(rand() * 6)}` };
  if (k === 1) return { name, type: "TXT", ttl, rdata: `"t${Math.floor(rand() * 6)}"` };
  return { name, type: "MX", ttl, rdata: `${Math.floor(rand() * 3)} ${NAMES[Math.floor(rand() * NAMES.length)]?.replace("*", "s")}` };
}

/** Every name of the zone and below, each asked for a few types, with and without EDNS. */
function expectSameAnswers(actual: CompiledZone, expected: CompiledZone, label: string): void {
  const ctx = (zone: CompiledZone) => ({ zones: createZoneSet([zone]), logger: { warn() {}, error() {} }, transport: "udp" as const, options: { roundRobin: false } });
  const a = ctx(actual);
  const e = ctx(expected);
  for (const name of [ZONE, ...NAMES.map((n) => n.replace("*", "q")), `y.${ZONE}`, `w.${ZONE}`, `nope.${ZONE}`, `z.a.${ZONE}`]) {
    for (const type of ["A", "TXT", "MX", "SOA", "ANY", "AAAA"]) {
      for (const edns of [false, true]) {
        const q = encodeQuestion(1, name, type, edns ? { ednsPayload: 1232 } : {});
        const got = answerQuery(q, a)?.toString("hex");
        const want = answerQuery(q, e)?.toString("hex");
        if (got !== want) throw new Error(`${label}: ${name} ${type} differs\n got  ${got}\n want ${want}`);
      }
    }
  }
}

describe("rrsetChangesOfDelta", () => {
  test("random edits of canonical texts: the delta as an overlay answers like the new text compiled whole", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const rand = seededRandom(seed);
      let records: ZoneRecord[] = [soa(1), { name: ZONE, type: "NS", ttl: 3600, rdata: `ns1.${ZONE}` }];
      for (let i = 0; i < 12; i++) records.push(randomRecord(rand));
      let text = renderZoneText(records);
      let zone = compileZone(ZONE, parseZoneTextWire(text));
      for (let serial = 2; serial < 12; serial++) {
        // Remove a few records, add a few (some to RRsets that keep others), bump the serial.
        records = records.filter((r) => r.type === "SOA" || r.type === "NS" || rand() < 0.8).map((r) => (r.type === "SOA" ? soa(serial) : r));
        for (let i = Math.floor(rand() * 3); i > 0; i--) records.push(randomRecord(rand));
        const next = renderZoneText(records);
        const delta = { fromSerial: serial - 1, fromSha256: "-", ...diffZoneText(text, next) };
        const changes = rrsetChangesOfDelta(delta, next, zone);
        if (typeof changes === "string") throw new Error(`seed ${seed}: ${changes}`);
        const result = applyRRsetChanges(zone, changes);
        if (result.zone === null) throw new Error(`seed ${seed}: ${result.reason}`);
        expectSameAnswers(result.zone, compileZone(ZONE, parseZoneTextWire(next)), `seed ${seed} serial ${serial}`);
        [zone, text] = [result.zone, next];
      }
    }
  });

  test("a delta that removes records the served zone lacks is refused", () => {
    const text = renderZoneText([soa(1), { name: `a.${ZONE}`, type: "A", ttl: 300, rdata: "192.0.2.1" }]);
    const zone = compileZone(ZONE, parseZoneTextWire(text));
    const delta = { fromSerial: 1, fromSha256: "-", removed: [`b.${ZONE} 300 IN A 192.0.2.9`], added: [] };
    expect(rrsetChangesOfDelta(delta, text, zone)).toMatch(/does not have/);
  });

  test("a SOA below the apex is left to the whole path (which rejects the text)", () => {
    const text = renderZoneText([soa(1)]);
    const zone = compileZone(ZONE, parseZoneTextWire(text));
    const delta = { fromSerial: 1, fromSha256: "-", removed: [], added: [[1, `a.${ZONE} 300 IN SOA ns1.${ZONE} h.${ZONE} 1 2 3 4 5`]] as Array<[number, string]> };
    expect(rrsetChangesOfDelta(delta, text, zone)).toMatch(/SOA record at a\./);
  });
});

describe("overlay compaction", () => {
  test("past the bound the zone is compiled whole in the background; changes made meanwhile go on top", async () => {
    const served = createServedZones();
    const texts: string[] = [];
    const compiles: Array<() => void> = [];
    const compactor = createOverlayCompactor({
      maxChanges: 4,
      zoneSet: served.zoneSet,
      // Held until released, so changes can arrive while it runs.
      compile: (zone, zoneText) => new Promise((resolve) => compiles.push(() => resolve(compileZone(zone, parseZoneTextWire(zoneText))))),
      logger: pino({ level: "silent" }),
    });
    let records: ZoneRecord[] = [soa(1), { name: ZONE, type: "NS", ttl: 3600, rdata: `ns1.${ZONE}` }];
    texts.push(renderZoneText(records));
    served.replace(ZONE, parseZoneTextWire(texts[0] as string));
    compactor.applied(ZONE, () => texts[0] as string, null);
    for (let serial = 2; serial <= 8; serial++) {
      records = [...records.map((r) => (r.type === "SOA" ? soa(serial) : r)), { name: `h${serial}.${ZONE}`, type: "A", ttl: 60, rdata: "192.0.2.1" }];
      const text = renderZoneText(records);
      const delta = { fromSerial: serial - 1, fromSha256: "-", ...diffZoneText(texts[texts.length - 1] as string, text) };
      const prepared = served.prepareChanges(ZONE, (z) => rrsetChangesOfDelta(delta, text, z), serial);
      if (typeof prepared === "string") throw new Error(prepared);
      prepared.serve();
      texts.push(text);
      compactor.applied(ZONE, () => text, prepared.changes);
      if (serial === 6) expect(compiles).toHaveLength(1); // 3 versions × 2 changes ≥ 4: compacting serial 3's text
    }
    compiles.forEach((release) => release());
    await compactor.idle();
    const now = served.zoneSet.get(ZONE) as CompiledZone;
    expect(now.serial).toBe(8);
    // Serial 3's text compiled whole, with the changes of serials 4 to 8 on top (14 changes before the swap).
    expect(compiles).toHaveLength(1);
    expect(overlayChanges(now)).toBe(10);
    expectSameAnswers(now, compileZone(ZONE, parseZoneTextWire(texts[texts.length - 1] as string)), "after compaction");
  });
});
