// Differential test: a zone with RRset changes applied as an overlay answers byte for byte like the zone compiled whole.

import { encodeQuestion, typeToNumber } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { answerQuery, applyRRsetChanges, compiledZoneToParts, compileZone, createZoneSet, overlayChanges, ZoneCompileError } from "../src";
import type { CompiledZone, RRsetChange } from "../src";
import { seededRandom } from "@pdns-distribute/test-harness";

const ORIGIN = "ov.test.";


type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

/** Owner names: a small universe so changes hit existing names, wildcards, names below the cut and the DNAME. */
const LABELS1 = ["a", "b", "c", "*", "sub", "dn", "mail", "ns1", "new"];
const LABELS2 = ["a", "b", "*", "ns", "x"];
function randomName(rand: Rand): string {
  const depth = Math.floor(rand() * 3);
  let name = `${pick(rand, LABELS1)}.${ORIGIN}`;
  for (let d = 0; d < depth; d++) name = `${pick(rand, LABELS2)}.${name}`;
  return name;
}

const DATA_TYPES = ["A", "AAAA", "TXT", "MX", "CNAME", "SRV"] as const;

function randomRdata(rand: Rand, type: string): string {
  const target = rand() < 0.8 ? randomName(rand).replace("*", "w") : "out.example.";
  switch (type) {
    case "A":
      return `192.0.2.${Math.floor(rand() * 4)}`;
    case "AAAA":
      return `2001:db8::${Math.floor(rand() * 4)}`;
    case "TXT":
      return `"t${Math.floor(rand() * 4)}"`;
    case "MX":
      return `${Math.floor(rand() * 3)} ${target}`;
    case "CNAME":
      return target;
    case "SRV":
      return `0 ${Math.floor(rand() * 3)} 80 ${target}`;
    case "SOA":
      return `ns1.${ORIGIN} h.${ORIGIN} ${Math.floor(rand() * 1000)} 7200 3600 1209600 ${pick(rand, [60, 300, 4000])}`;
    case "NS":
      return pick(rand, [`ns1.${ORIGIN}`, `mail.${ORIGIN}`, "ns.out.example."]);
    case "DS":
      return `${Math.floor(rand() * 3)} 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`;
    default:
      throw new Error(type);
  }
}

function randomRecords(rand: Rand, name: string, type: string, n: number): ZoneRecord[] {
  return Array.from({ length: n }, () => ({ name, type, ttl: pick(rand, [60, 300, 3600]), rdata: randomRdata(rand, type) }));
}

/** A random unsigned zone with an apex, a delegation with glue, a DNAME, wildcards and random data. */
function randomZone(rand: Rand): ZoneRecord[] {
  const records: ZoneRecord[] = [
    { name: ORIGIN, type: "SOA", ttl: 3600, rdata: `ns1.${ORIGIN} h.${ORIGIN} 1 7200 3600 1209600 300` },
    { name: ORIGIN, type: "NS", ttl: 3600, rdata: `ns1.${ORIGIN}` },
    { name: `ns1.${ORIGIN}`, type: "A", ttl: 3600, rdata: "192.0.2.53" },
    { name: `sub.${ORIGIN}`, type: "NS", ttl: 3600, rdata: `ns.sub.${ORIGIN}` },
    { name: `sub.${ORIGIN}`, type: "NS", ttl: 3600, rdata: `ns1.${ORIGIN}` },
    { name: `ns.sub.${ORIGIN}`, type: "A", ttl: 3600, rdata: "192.0.2.54" },
    { name: `dn.${ORIGIN}`, type: "DNAME", ttl: 300, rdata: `b.${ORIGIN}` },
  ];
  const n = 5 + Math.floor(rand() * 25);
  for (let i = 0; i < n; i++) {
    const type = pick(rand, DATA_TYPES);
    records.push(...randomRecords(rand, randomName(rand), type, 1 + Math.floor(rand() * 2)));
  }
  return records;
}

/** A random change: data at a random name (removal a third of the time), the apex SOA, apex NS or the DS at the cut. */
function randomChange(rand: Rand): RRsetChange {
  const r = rand();
  const [name, type] =
    r < 0.1 ? [ORIGIN, "SOA"] : r < 0.15 ? [ORIGIN, "NS"] : r < 0.2 ? [`sub.${ORIGIN}`, "DS"] : r < 0.25 ? [ORIGIN, pick(rand, DATA_TYPES)] : [randomName(rand), pick(rand, DATA_TYPES)];
  const n = type === "SOA" ? 1 : rand() < 0.33 ? 0 : 1 + Math.floor(rand() * 3);
  return { name, type, records: randomRecords(rand, name, type, n) };
}

/** Canonical zone texts order the types of a name SOA first, then by number. */
const rank = (type: string): number => (type === "SOA" ? 0 : typeToNumber(type));

/**
 * The records after `change`, as a text edit would leave them: the RRset in place of its first record; a new type
 * before the first record of its name whose type sorts after it, else appended.
 */
function applyToRecords(records: ZoneRecord[], change: RRsetChange): ZoneRecord[] {
  const same = (r: ZoneRecord): boolean => r.name === change.name && r.type === change.type;
  const at = records.findIndex(same);
  const rest = records.filter((r) => !same(r));
  if (at < 0) {
    const after = rest.findIndex((r) => r.name === change.name && rank(r.type) > rank(change.type));
    return after < 0 ? [...rest, ...change.records] : [...rest.slice(0, after), ...change.records, ...rest.slice(after)];
  }
  const before = records.slice(0, at).filter((r) => !same(r)).length;
  return [...rest.slice(0, before), ...change.records, ...rest.slice(before)];
}

const QTYPES = ["A", "AAAA", "TXT", "MX", "CNAME", "SRV", "NS", "SOA", "DS", "ANY", "RRSIG", "HINFO"];

/** Every owner name of either version, names below them, names a wildcard would match and names never present. */
function queryNames(records: readonly ZoneRecord[]): string[] {
  const names = new Set<string>([ORIGIN, `nope.${ORIGIN}`, `x.y.sub.${ORIGIN}`, `q.dn.${ORIGIN}`]);
  for (const r of records) {
    const name = r.name.replace("*", "zz");
    names.add(name);
    names.add(`deeper.${name}`);
    names.add(name.split(".").slice(1).join("."));
  }
  return [...names].filter((n) => n.endsWith(ORIGIN));
}

const ctx = (zone: CompiledZone) => ({ zones: createZoneSet([zone]), logger: { warn() {}, error() {} }, transport: "udp" as const, options: { roundRobin: false } });

/** Asserts both zones answer every query the same, byte for byte; returns the number of queries compared. */
function expectSameAnswers(actual: CompiledZone, expected: CompiledZone, names: readonly string[], label: string): number {
  const a = ctx(actual);
  const e = ctx(expected);
  let n = 0;
  for (const name of names) {
    for (const type of QTYPES) {
      for (const edns of [false, true]) {
        const q = encodeQuestion(n & 0xffff, name, type, edns ? { ednsPayload: 1232, dnssecOk: true } : {});
        const got = answerQuery(q, a)?.toString("hex");
        const want = answerQuery(q, e)?.toString("hex");
        if (got !== want) throw new Error(`${label}: ${name} ${type}${edns ? " +dnssec" : ""} differs\n got  ${got}\n want ${want}`);
        n++;
      }
    }
  }
  return n;
}

describe("applyRRsetChanges: overlay versus compiled whole", () => {
  test.each([[1], [7], [13], [19]])("random zones and change sequences answer byte for byte the same (seeds %i+)", (first) => {
    let compared = 0;
    for (let seed = first; seed < first + 6; seed++) {
      const rand = seededRandom(seed);
      let records = randomZone(rand);
      let zone = compileZone(ORIGIN, records);
      let previous: { zone: CompiledZone; records: ZoneRecord[] } | null = null;
      for (let step = 0; step < 8; step++) {
        const changes = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomChange(rand));
        const result = applyRRsetChanges(zone, changes);
        if (result.zone === null) throw new Error(`seed ${seed} step ${step}: not applicable: ${result.reason}`);
        previous = { zone, records };
        for (const change of changes) records = applyToRecords(records, change);
        zone = result.zone;
        const names = queryNames([...records, ...previous.records]);
        compared += expectSameAnswers(zone, compileZone(ORIGIN, records), names, `seed ${seed} step ${step}`);
        // The version the changes were applied to still answers as before.
        if (step % 3 === 0) compared += expectSameAnswers(previous.zone, compileZone(ORIGIN, previous.records), names, `seed ${seed} step ${step} (old)`);
      }
      expect(overlayChanges(zone)).toBeGreaterThanOrEqual(8);
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  test("the new version counts records and carries the new SOA serial and negative TTL", () => {
    const base = compileZone(ORIGIN, randomZone(seededRandom(7)));
    const soa = { name: ORIGIN, type: "SOA", ttl: 100, rdata: `ns1.${ORIGIN} h.${ORIGIN} 42 7200 3600 1209600 30` };
    const add = { name: `fresh.${ORIGIN}`, type: "A", ttl: 60, rdata: "192.0.2.9" };
    const result = applyRRsetChanges(base, [{ name: ORIGIN, type: "SOA", records: [soa] }, { name: add.name, type: "A", records: [add] }]);
    expect(result.zone?.serial).toBe(42);
    expect(result.zone?.negativeTtl).toBe(30);
    expect(result.zone?.recordCount).toBe(base.recordCount + 1);
    expect(result.zone?.nodes.has(add.name)).toBe(true);
    expect(base.nodes.has(add.name)).toBe(false);
  });

  test.each([
    ["NS below the apex", { name: `x.${ORIGIN}`, type: "NS", records: [] }],
    ["DNAME", { name: `dn.${ORIGIN}`, type: "DNAME", records: [] }],
    ["RRSIG", { name: `a.${ORIGIN}`, type: "RRSIG", records: [] }],
    ["apex SOA removed", { name: ORIGIN, type: "SOA", records: [] }],
    ["a name outside the zone", { name: "other.example.", type: "A", records: [] }],
  ])("not applicable: %s", (_label, change) => {
    const base = compileZone(ORIGIN, randomZone(seededRandom(3)));
    expect(applyRRsetChanges(base, [change as RRsetChange]).zone).toBeNull();
  });

  test("not applicable to a signed zone, nor twice to the same version; an overlaid zone cannot be moved", () => {
    const records = randomZone(seededRandom(5));
    const signed = compileZone(ORIGIN, [...records, { name: ORIGIN, type: "NSEC", ttl: 300, rdata: `a.${ORIGIN} SOA NS NSEC` }]);
    const change: RRsetChange = { name: `a.${ORIGIN}`, type: "A", records: [{ name: `a.${ORIGIN}`, type: "A", ttl: 60, rdata: "192.0.2.7" }] };
    expect(applyRRsetChanges(signed, [change]).reason).toMatch(/signed/);
    const base = compileZone(ORIGIN, records);
    const next = applyRRsetChanges(base, [change]).zone as CompiledZone;
    // A compiled zone is copied for each line of versions made from it; an overlaid version has one successor.
    expect(applyRRsetChanges(base, [change]).zone).not.toBeNull();
    expect(applyRRsetChanges(next, [change]).zone).not.toBeNull();
    expect(applyRRsetChanges(next, [change]).reason).toMatch(/later version/);
    expect(() => compiledZoneToParts(next)).toThrow(/overlay/);
  });

  test("RDATA compileZone refuses is refused the same way, and nothing changes", () => {
    const base = compileZone(ORIGIN, randomZone(seededRandom(9)));
    const bad: RRsetChange = { name: `a.${ORIGIN}`, type: "MX", records: [{ name: `a.${ORIGIN}`, type: "MX", ttl: 60, rdata: "not-a-number x." }] };
    expect(() => applyRRsetChanges(base, [bad])).toThrow(ZoneCompileError);
    expect(applyRRsetChanges(base, []).zone).not.toBeNull();
  });
});
