// Property tests of patchZoneLines: patching a rendered zone equals rendering the changed record set.
import { ZoneTextError, applyZoneTextDelta, patchZoneLines, renderZoneText, zoneTextLines } from "@pdns-distribute/dns";
import type { RRsetReplacement, ZoneRecord } from "@pdns-distribute/dns";

/** A deterministic pseudo-random generator (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

const ZONE = "ex.org.";
/** Owner names: apex, plain, upper case, escapes, wildcards, a delegation and its glue, deep names. */
const OWNERS = [ZONE, "www.ex.org.", "WWW2.Ex.Org.", "a\\032b.ex.org.", "x\\.y.ex.org.", "\\@.ex.org.", "*.ex.org.", "*.w.ex.org.", "sub.ex.org.", "ns.sub.ex.org.", "a.b.c.ex.org.", "b.c.ex.org.", "z.ex.org.", "0.ex.org.", "-.ex.org."];
/** Record makers per type: `i` varies the RDATA. */
const TYPES: Record<string, (i: number) => string> = {
  A: (i) => `192.0.2.${i % 256}`,
  AAAA: (i) => `2001:db8::${(i % 4096).toString(16)}`,
  NS: (i) => `ns${i % 3}.ex.org.`,
  CNAME: (i) => `t${i % 5}.ex.net.`,
  MX: (i) => `${i % 20} mx${i % 4}.ex.org.`,
  TXT: (i) => `"v=${i}" "a b;c\\"d"`,
  SRV: (i) => `${i % 3} ${i % 7} ${1000 + i} srv${i % 2}.ex.org.`,
  CAA: (i) => `0 issue "ca${i % 3}.example"`,
  PTR: (i) => `p${i % 5}.ex.org.`,
  SSHFP: (i) => `${1 + (i % 2)} 1 ${"0123456789abcdef0123456789abcdef01234567".slice(0, 38)}${(10 + (i % 90)).toString()}`,
  NAPTR: (i) => `${i % 10} 10 "u" "E2U+sip" "" s${i % 3}.ex.org.`,
  DS: (i) => `${1000 + i} 13 2 ${"ab".repeat(31)}${(16 + (i % 200)).toString(16).padStart(2, "0")}`,
};
const TYPE_NAMES = Object.keys(TYPES);
const soa = (serial: number): ZoneRecord => ({ name: ZONE, type: "SOA", ttl: 3600, rdata: `ns1.ex.org. h.ex.org. ${serial} 10800 3600 604800 3600` });

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

/** A random RRset: 1..3 records (sometimes duplicates with another TTL). */
function randomRRset(next: () => number, name: string, type: string): ZoneRecord[] {
  const n = 1 + Math.floor(next() * 3);
  const ttl = pick(next, [60, 300, 3600]);
  const make = TYPES[type] as (i: number) => string;
  const records = Array.from({ length: n }, () => ({ name, type, ttl, rdata: make(Math.floor(next() * 1000)) }));
  if (next() < 0.1 && records[0]) records.push({ ...records[0], ttl: ttl + 1 });
  return records;
}

/** A random zone as a map `name|type` → records (SOA included). */
function randomZone(next: () => number): Map<string, ZoneRecord[]> {
  const zone = new Map<string, ZoneRecord[]>([[`${ZONE}|SOA`, [soa(1)]]]);
  const rrsets = Math.floor(next() * 40);
  for (let i = 0; i < rrsets; i++) {
    const name = next() < 0.3 ? `h${Math.floor(next() * 30)}.ex.org.` : pick(next, OWNERS);
    const type = pick(next, TYPE_NAMES);
    zone.set(`${name.toLowerCase()}|${type}`, randomRRset(next, name, type));
  }
  return zone;
}

const all = (zone: Map<string, ZoneRecord[]>): ZoneRecord[] => [...zone.values()].flat();

describe("patchZoneLines", () => {
  test("patching a rendered zone equals rendering the changed zone (random zones, replacements, removals, new names)", () => {
    const next = rng(7);
    for (let round = 0; round < 400; round++) {
      const zone = randomZone(next);
      const before = renderZoneText(all(zone));
      const changes: RRsetReplacement[] = [];
      const touched = new Set<string>();
      const count = 1 + Math.floor(next() * 5);
      for (let c = 0; c < count; c++) {
        const existing = [...zone.keys()];
        const useExisting = existing.length > 1 && next() < 0.6;
        const key = useExisting ? pick(next, existing) : `${next() < 0.5 ? `n${Math.floor(next() * 50)}.ex.org.` : pick(next, OWNERS)}|${pick(next, TYPE_NAMES)}`;
        const [name, type] = key.split("|") as [string, string];
        if (touched.has(`${name.toLowerCase()}|${type}`) || type === "SOA") continue;
        touched.add(`${name.toLowerCase()}|${type}`);
        const records = next() < 0.3 ? [] : randomRRset(next, next() < 0.5 ? name.toUpperCase() : name, type);
        changes.push({ name: next() < 0.5 ? name.toUpperCase() : name, type, records });
        zone.delete(`${name.toLowerCase()}|${type}`);
        zone.delete(key);
        if (records.length > 0) zone.set(`${name.toLowerCase()}|${type}`, records);
      }
      // The SOA changes with every change, as PowerDNS bumps the serial.
      zone.set(`${ZONE}|SOA`, [soa(2 + round)]);
      changes.push({ name: ZONE, type: "SOA", records: [soa(2 + round)] });
      const patched = patchZoneLines(zoneTextLines(before), changes);
      const expected = renderZoneText(all(zone));
      expect(patched.lines.join("\n") + (patched.lines.length ? "\n" : "")).toBe(expected);
      // The removed and added lines are a delta from the old text to the new one.
      expect(applyZoneTextDelta(before, { removed: patched.removed, added: patched.added })).toBe(expected);
    }
  });

  test("an unchanged RRset gives no removed or added lines", () => {
    const records = [soa(1), { name: "www.ex.org.", type: "A", ttl: 300, rdata: "192.0.2.1" }];
    const lines = zoneTextLines(renderZoneText(records));
    const p = patchZoneLines(lines, [{ name: "www.ex.org.", type: "A", records: [records[1] as ZoneRecord] }]);
    expect(p).toEqual({ lines, removed: [], added: [] });
  });

  test("a record outside its RRset, a relative owner or one RRset named twice is refused", () => {
    const lines = zoneTextLines(renderZoneText([soa(1)]));
    const a = { name: "www.ex.org.", type: "A", ttl: 300, rdata: "192.0.2.1" };
    expect(() => patchZoneLines(lines, [{ name: "www.ex.org.", type: "AAAA", records: [a] }])).toThrow(ZoneTextError);
    expect(() => patchZoneLines(lines, [{ name: "www.ex.org", type: "A", records: [] }])).toThrow(ZoneTextError);
    expect(() => patchZoneLines(lines, [{ name: "www.ex.org.", type: "A", records: [] }, { name: "WWW.ex.org.", type: "A", records: [] }])).toThrow(ZoneTextError);
  });

  test("RDATA that does not render is refused", () => {
    const lines = zoneTextLines(renderZoneText([soa(1)]));
    expect(() => patchZoneLines(lines, [{ name: "www.ex.org.", type: "A", records: [{ name: "www.ex.org.", type: "A", ttl: 1, rdata: "not-an-ip" }] }])).toThrow();
  });
});
