// ZoneLines: deltas applied to chunked canonical lines give exactly applyZoneTextDelta's text, in O(change).
import { applyZoneTextDelta, diffZoneText, renderZoneText } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";
import { ZONE_LINES_CHUNK, ZoneLines } from "@pdns-distribute/secondary-syncer";

const ZONE = "example.org.";
const soa = (serial: number): ZoneRecord => ({ name: ZONE, type: "SOA", ttl: 3600, rdata: `ns1.${ZONE} h.${ZONE} ${serial} 2 3 4 5` });
const host = (i: number, v = 1): ZoneRecord => ({ name: `h${i}.${ZONE}`, type: "A", ttl: 300, rdata: `10.${v}.${(i >> 8) & 255}.${i & 255}` });

/** A small deterministic random generator (tests repeat exactly). */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("ZoneLines", () => {
  test("random deltas over thousands of lines: the same text as applyZoneTextDelta, chunks grown and split", () => {
    const random = rng(7);
    const hosts = new Map<number, number>();
    for (let i = 0; i < 3 * ZONE_LINES_CHUNK; i++) hosts.set(i, 1);
    const render = (serial: number) => renderZoneText([soa(serial), ...[...hosts].map(([i, v]) => host(i, v))]);
    let text = render(1);
    let lines = ZoneLines.fromText(text);
    expect(lines.text()).toBe(text);
    for (let serial = 2; serial <= 60; serial++) {
      // Adds (a run of new names, so one chunk grows past twice its size), removals (a whole chunk's worth at
      // times) and changed values.
      const at = Math.floor(random() * 4000);
      for (let k = 0; k < 40; k++) hosts.set(at + k, 1);
      if (serial % 10 === 0) for (const i of [...hosts.keys()].slice(0, ZONE_LINES_CHUNK + 3)) hosts.delete(i);
      for (let k = 0; k < 5; k++) {
        const i = [...hosts.keys()][Math.floor(random() * hosts.size)] as number;
        hosts.set(i, serial);
      }
      const next = render(serial);
      const delta = diffZoneText(text, next);
      const before = lines;
      lines = lines.applyDelta(delta);
      expect(lines.text()).toBe(applyZoneTextDelta(text, delta));
      expect(lines.text()).toBe(next);
      expect(lines.count).toBe(hosts.size + 1);
      expect(lines.length).toBe(next.length);
      expect(before.text()).toBe(text); // the version it came from is unchanged
      text = next;
    }
  });

  test("a chunk emptied by a delta goes: later deltas still find their lines", () => {
    const text = renderZoneText([soa(1), ...Array.from({ length: 2 * ZONE_LINES_CHUNK }, (_, i) => host(i))]);
    const all = text.split("\n").slice(0, -1);
    const first = all.slice(1, ZONE_LINES_CHUNK); // the first chunk but its SOA
    const emptied = ZoneLines.fromText(text).applyDelta({ removed: [all[0] as string, ...first], added: [] });
    expect(emptied.text()).toBe(all.slice(ZONE_LINES_CHUNK).join("\n") + "\n");
    const last = all[all.length - 1] as string;
    const again = emptied.applyDelta({ removed: [last, all[ZONE_LINES_CHUNK] as string], added: [[0, all[0] as string]] });
    expect(again.text()).toBe([all[0], ...all.slice(ZONE_LINES_CHUNK + 1, -1)].join("\n") + "\n");
  });

  test("lines of a name are found by binary search; absent names give none", () => {
    const records = [soa(1), { name: ZONE, type: "NS", ttl: 3600, rdata: `ns1.${ZONE}` }, ...Array.from({ length: 2000 }, (_, i) => host(i))];
    records.push({ name: `h7.${ZONE}`, type: "TXT", ttl: 60, rdata: '"x"' }, { name: `h7.${ZONE}`, type: "A", ttl: 300, rdata: "192.0.2.7" });
    const lines = ZoneLines.fromText(renderZoneText(records));
    expect(lines.linesOf(`h7.${ZONE}`)).toEqual([`h7.${ZONE} 300 IN A 10.1.0.7`, `h7.${ZONE} 300 IN A 192.0.2.7`, `h7.${ZONE} 60 IN TXT "x"`]);
    expect(lines.linesOf(ZONE)).toHaveLength(2);
    expect(lines.linesOf(`nope.${ZONE}`)).toEqual([]);
    expect(lines.linesOf(`h1999.${ZONE}`)).toHaveLength(1);
  });

  test("a delta that does not fit throws and leaves the lines as they were", () => {
    const text = renderZoneText([soa(1), host(1), host(2)]);
    const lines = ZoneLines.fromText(text);
    const held = `h1.${ZONE} 300 IN A 10.1.0.1`;
    expect(() => lines.applyDelta({ removed: [`h9.${ZONE} 300 IN A 10.1.0.9`], added: [] })).toThrow(/does not have/);
    expect(() => lines.applyDelta({ removed: ["not a record"], added: [] })).toThrow(/does not have/);
    expect(() => lines.applyDelta({ removed: [held, held], added: [] })).toThrow(/twice/);
    expect(() => lines.applyDelta({ removed: [], added: [[5, `h3.${ZONE} 300 IN A 10.1.0.3`]] })).toThrow(/positions/);
    expect(() =>
      lines.applyDelta({
        removed: [],
        added: [
          [2, `h3.${ZONE} 300 IN A 10.1.0.3`],
          [1, `h4.${ZONE} 300 IN A 10.1.0.4`],
        ],
      }),
    ).toThrow(/positions/);
    // checkAdded sees each added line between its new neighbours.
    const seen: Array<[string | undefined, string, string | undefined]> = [];
    lines.applyDelta({ removed: [], added: [[3, `h3.${ZONE} 300 IN A 10.1.0.3`]] }, (p, l, n) => void seen.push([p, l, n]));
    expect(seen).toEqual([[`h2.${ZONE} 300 IN A 10.1.0.2`, `h3.${ZONE} 300 IN A 10.1.0.3`, undefined]]);
    expect(lines.text()).toBe(text);
    expect(ZoneLines.fromText("").applyDelta({ removed: [], added: [[0, held]] }).text()).toBe(`${held}\n`);
  });
});
