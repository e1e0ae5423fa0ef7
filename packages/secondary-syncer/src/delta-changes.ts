// The RRset changes a zone-text delta makes, so the served zone can take them without being compiled whole.
import { nameKey, parseZoneTextWire, RRType } from "@pdns-distribute/dns";
import type { ZoneTextDelta, ZoneWireRecord } from "@pdns-distribute/dns";
import type { CompiledZone, RRsetChange } from "@pdns-distribute/answer";
import { ZoneLines } from "./zone-lines";

/** The records of the delta's lines of one (name, type). */
interface Touched {
  name: string;
  type: string;
  typeNumber: number;
  removed: number;
  added: ZoneWireRecord[];
}

/**
 * The RRset changes that turn `served` (the compiled version the delta was made from) into the zone of `newText`
 * (the canonical text the delta gave, or its lines): for each (name, type) a line of the delta touches, its records
 * in the new text. When none of its old records remain they are the added lines; otherwise they are read from
 * `newText`, all lines of the name (one scan of a text, a binary search of lines), since the served zone keeps one
 * TTL per RRset, not each record's.
 * A string says why not (lines that do not parse, or a delta that does not fit `served`): then compile it whole.
 */
export function rrsetChangesOfDelta(delta: ZoneTextDelta, newText: string | ZoneLines, served: CompiledZone): RRsetChange[] | string {
  let removed: ZoneWireRecord[];
  let added: ZoneWireRecord[];
  try {
    removed = parseZoneTextWire(delta.removed.join("\n"));
    added = parseZoneTextWire(delta.added.map(([, line]) => line).join("\n"));
  } catch (err) {
    return `delta lines do not parse: ${(err as Error).message}`;
  }
  const touched = new Map<string, Touched>();
  const entry = (r: ZoneWireRecord): Touched => {
    const key = `${r.name} ${r.typeNumber}`;
    let t = touched.get(key);
    if (t === undefined) touched.set(key, (t = { name: r.name, type: r.type, typeNumber: r.typeNumber, removed: 0, added: [] }));
    return t;
  };
  for (const r of removed) entry(r).removed++;
  for (const r of added) entry(r).added.push(r);
  const changes: RRsetChange[] = [];
  const apex = nameKey(served.origin);
  for (const t of touched.values()) {
    // One SOA, at the apex (parseSignedZoneRecords): anything else is for the whole path to reject.
    if (t.typeNumber === RRType.SOA && t.name !== apex) return `a SOA record at ${t.name}`;
    const kept = (served.nodes.get(t.name)?.rrsets.get(t.typeNumber)?.rdatas.length ?? 0) - t.removed;
    if (kept < 0) return `the delta removes records of ${t.name} ${t.type} the served zone does not have`;
    const owned = (): ZoneWireRecord[] => (newText instanceof ZoneLines ? parseZoneTextWire(newText.linesOf(t.name).join("\n")) : recordsInText(newText, t.name));
    const records = kept === 0 ? t.added : owned().filter((r) => r.typeNumber === t.typeNumber);
    changes.push({ name: t.name, type: t.type, records });
  }
  return changes;
}

/** The records of owner `name` in a zone text: every line starting with the name and a space (the rest scanned too). */
function recordsInText(text: string, name: string): ZoneWireRecord[] {
  const prefix = `${name} `;
  const next = (from: number): number => {
    const hit = text.indexOf(`\n${prefix}`, from);
    return hit < 0 ? -1 : hit + 1;
  };
  const lines: string[] = [];
  let at = text.startsWith(prefix) ? 0 : next(0);
  while (at >= 0) {
    const end = text.indexOf("\n", at);
    lines.push(text.slice(at, end < 0 ? text.length : end));
    if (end < 0) break;
    at = text.startsWith(prefix, end + 1) ? end + 1 : next(end);
  }
  return parseZoneTextWire(lines.join("\n"));
}
