import { ZoneTextError, applyZoneTextDelta, compareZoneTextLines, diffZoneText, renderZoneText, zoneTextDeltaBytes, zoneTextLines } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";

const soa = (serial: number): ZoneRecord => ({ name: "example.org.", type: "SOA", ttl: 3600, rdata: `ns1.example.org. h.example.org. ${serial} 10800 3600 604800 3600` });
const a = (host: string, ip: string, ttl = 300): ZoneRecord => ({ name: `${host}.example.org.`, type: "A", ttl, rdata: ip });

/** A deterministic pseudo-random generator (tests must not depend on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

describe("zone text deltas", () => {
  test("a one-record change is the SOA line swapped plus the new line, at its position", () => {
    const hosts = Array.from({ length: 50 }, (_, i) => a(`h${i}`, `192.0.2.${i}`));
    const before = renderZoneText([soa(1), ...hosts]);
    const after = renderZoneText([soa(2), ...hosts, a("h25b", "198.51.100.7")]);
    const delta = diffZoneText(before, after);
    expect(delta.removed).toEqual([zoneTextLines(before)[0]]);
    expect(delta.added.map(([, l]) => l)).toEqual([zoneTextLines(after)[0], "h25b.example.org. 300 IN A 198.51.100.7"]);
    expect(delta.added[1]?.[0]).toBe(zoneTextLines(after).indexOf("h25b.example.org. 300 IN A 198.51.100.7"));
    expect(applyZoneTextDelta(before, delta)).toBe(after);
    expect(zoneTextDeltaBytes(delta)).toBeLessThan(300);
  });

  test("identical texts give an empty delta that changes nothing", () => {
    const text = renderZoneText([soa(1), a("www", "192.0.2.1")]);
    const delta = diffZoneText(text, text);
    expect(delta).toEqual({ removed: [], added: [] });
    expect(applyZoneTextDelta(text, delta)).toBe(text);
  });

  test("random edits (removals, additions, TTL changes) always round-trip", () => {
    const next = rng(42);
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(next() * 60);
      const base = Array.from({ length: n }, (_, i) => a(`h${i}`, `10.0.${i >> 8}.${i & 255}`, 60 + (i % 3)));
      const edited = base.filter(() => next() > 0.2).map((r) => (next() < 0.1 ? { ...r, ttl: r.ttl + 1 } : r));
      const extra = Math.floor(next() * 10);
      for (let j = 0; j < extra; j++) edited.push(a(`n${round}-${j}`, `172.16.${round & 255}.${j}`));
      const before = renderZoneText([soa(round), ...base]);
      const after = renderZoneText([soa(round + 1), ...edited]);
      expect(applyZoneTextDelta(before, diffZoneText(before, after))).toBe(after);
    }
  });

  test("a delta that does not fit the held text is refused, not half-applied", () => {
    const v1 = renderZoneText([soa(1), a("www", "192.0.2.1")]);
    const v2 = renderZoneText([soa(2), a("www", "192.0.2.2")]);
    const other = renderZoneText([soa(7), a("mail", "192.0.2.9")]);
    const delta = diffZoneText(v1, v2);
    expect(() => applyZoneTextDelta(other, delta)).toThrow(ZoneTextError);
    expect(() => applyZoneTextDelta(other, delta)).toThrow(/does not have/);
    expect(() => applyZoneTextDelta(v1, { removed: [zoneTextLines(v1)[0] as string, zoneTextLines(v1)[0] as string], added: [] })).toThrow(/twice/);
    expect(() => applyZoneTextDelta(v1, { removed: [], added: [[5, "x. 1 IN A 192.0.2.1"]] })).toThrow(/position 5/);
    expect(() => applyZoneTextDelta(v1, { removed: [], added: [[1, "a"], [1, "b"]] })).toThrow(/ascend/);
    expect(() => applyZoneTextDelta(v1, { removed: [], added: [[-1, "a"]] })).toThrow(/position -1/);
    expect(() => applyZoneTextDelta(v1, { removed: [], added: [[0, "a\nb"]] })).toThrow(/newline/);
  });

  test("canonical order of lines: every line of a rendered text comes strictly before the next", () => {
    const next = rng(7);
    const records: ZoneRecord[] = [soa(1), { name: "example.org.", type: "NS", ttl: 3600, rdata: "ns1.example.org." }];
    for (let i = 0; i < 80; i++) {
      const host = ["www", "mail", "a.b", "Z", "*", "xn--bcher-kva", "0"][Math.floor(next() * 7)] as string;
      records.push(a(`${host}${i % 5}`, `192.0.2.${Math.floor(next() * 250)}`, 60 + (i % 2)));
      if (i % 7 === 0) records.push({ name: `${host}.example.org.`, type: "TXT", ttl: 60, rdata: `"t${i}"` });
    }
    const lines = zoneTextLines(renderZoneText(records));
    for (let i = 1; i < lines.length; i++) {
      expect(compareZoneTextLines(lines[i - 1] as string, lines[i] as string)).toBeLessThan(0);
      expect(compareZoneTextLines(lines[i] as string, lines[i - 1] as string)).toBeGreaterThan(0);
    }
    expect(compareZoneTextLines(lines[3] as string, lines[3] as string)).toBe(0);
    expect(() => compareZoneTextLines("", lines[0] as string)).toThrow(ZoneTextError);
  });

  test("the added lines can be checked with their neighbours in the new text", () => {
    const before = renderZoneText([soa(1), a("b", "192.0.2.2"), a("d", "192.0.2.4")]);
    const after = renderZoneText([soa(2), a("b", "192.0.2.2"), a("c", "192.0.2.3"), a("d", "192.0.2.4")]);
    const seen: Array<[string | undefined, string, string | undefined]> = [];
    expect(applyZoneTextDelta(before, diffZoneText(before, after), (p, l, n) => void seen.push([p, l, n]))).toBe(after);
    const lines = zoneTextLines(after);
    expect(seen).toEqual([
      [undefined, lines[0], lines[1]],
      [lines[1], lines[2], lines[3]],
    ]);
  });

  test("a 100,000-line zone diffs and applies quickly enough to be worth it", () => {
    // Lines written directly (rendering 100,000 records takes seconds and is tested elsewhere).
    const soaLine = (serial: number) => `example.org. 3600 IN SOA ns1.example.org. h.example.org. ${serial} 10800 3600 604800 3600\n`;
    const hosts = Array.from({ length: 100_000 }, (_, i) => `h${i}.example.org. 300 IN A 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}\n`);
    const before = soaLine(1) + hosts.join("");
    const after = soaLine(2) + hosts.slice(0, 500).join("") + "new.example.org. 300 IN A 192.0.2.77\n" + hosts.slice(500).join("");
    const delta = diffZoneText(before, after);
    expect(delta.removed).toHaveLength(1);
    expect(delta.added).toHaveLength(2);
    expect(applyZoneTextDelta(before, delta)).toBe(after);
  });
});
