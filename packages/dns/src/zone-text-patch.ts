// Replacing whole RRsets in a canonical zone text (renderZoneText) without rendering the rest of the zone again.
//
// Canonical text is sorted by owner name first, so all lines of one owner are contiguous: binary search finds
// them, and re-rendering that owner's records (kept lines of untouched types plus the new RRsets) gives exactly
// the lines renderZoneText would make for them. The rest of the text is kept as it is.
import { ZoneTextError } from "./errors";
import { compareLabels, lowerLabel, parseNameText } from "./names";
import { typeToNumber } from "./rrtypes";
import { parseZoneText, renderZoneText } from "./zone-text";
import { zoneTextLines } from "./zone-text-delta";
import type { ZoneRecord } from "./types";

/** The new content of one RRset: every record of `name` and `type` after the change (none: the RRset is gone). */
export interface RRsetReplacement {
  /** Absolute owner name (any case, presentation form). */
  name: string;
  /** Type mnemonic or TYPE<n>. */
  type: string;
  /** The RRset's records (each with this name and type); empty when it no longer exists. */
  records: readonly ZoneRecord[];
}

/** The result of {@link patchZoneLines}: the new lines and the lines that left and came (a delta, in order). */
export interface ZoneLinesPatch {
  lines: string[];
  removed: string[];
  /** Added lines with their 0-based index in `lines`, ascending (as ZoneTextDelta). */
  added: Array<[number, string]>;
}

/** Owner labels (lower case) of a canonical line: the text before its first blank. */
function ownerLabels(line: string): Buffer[] {
  const end = line.indexOf(" ");
  return parseNameText(end < 0 ? line : line.slice(0, end)).labels;
}

/** First index in sorted canonical `lines` whose owner is not before `owner` (lower bound). */
function lowerBound(lines: readonly string[], owner: readonly Buffer[], from: number): number {
  let lo = from;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareLabels(ownerLabels(lines[mid] as string), owner, true) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** End of the run of lines with owner `owner` starting at `start` (lines from `start` on are not before it). */
function ownerEnd(lines: readonly string[], owner: readonly Buffer[], start: number): number {
  let end = start;
  while (end < lines.length && compareLabels(ownerLabels(lines[end] as string), owner, true) === 0) end++;
  return end;
}

/** Replacements grouped by owner (lower-case labels), owners in canonical order. */
function byOwner(changes: readonly RRsetReplacement[]): Array<{ owner: Buffer[]; types: Set<number>; records: ZoneRecord[] }> {
  const groups = new Map<string, { owner: Buffer[]; types: Set<number>; records: ZoneRecord[] }>();
  for (const c of changes) {
    const parsed = parseNameText(c.name);
    if (!parsed.absolute) throw new ZoneTextError(`RRset owner "${c.name}" is not absolute`);
    const owner = parsed.labels.map(lowerLabel);
    const key = owner.map((l) => l.toString("hex")).join(".");
    const g = groups.get(key) ?? { owner, types: new Set<number>(), records: [] };
    const type = typeToNumber(c.type);
    if (g.types.has(type)) throw new ZoneTextError(`RRset ${c.name} ${c.type} replaced twice`);
    g.types.add(type);
    for (const r of c.records) {
      if (typeToNumber(r.type) !== type || compareLabels(parseNameText(r.name).labels, owner) !== 0) {
        throw new ZoneTextError(`record ${r.name} ${r.type} is not in RRset ${c.name} ${c.type}`);
      }
      g.records.push(r);
    }
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => compareLabels(a.owner, b.owner, true));
}

/**
 * Replaces RRsets in the sorted lines of a canonical zone text: for each change, every line of that owner and
 * type goes and the change's records come, rendered and placed as {@link renderZoneText} would. The result
 * equals rendering the changed record set. Throws {@link ZoneTextError} (or the renderer's errors) on a change
 * that cannot be rendered; `lines` is not modified.
 */
export function patchZoneLines(lines: readonly string[], changes: readonly RRsetReplacement[]): ZoneLinesPatch {
  const out: string[] = [];
  const removed: string[] = [];
  const added: Array<[number, string]> = [];
  let at = 0;
  for (const g of byOwner(changes)) {
    const start = lowerBound(lines, g.owner, at);
    const end = ownerEnd(lines, g.owner, start);
    for (let i = at; i < start; i++) out.push(lines[i] as string);
    const old = lines.slice(start, end);
    const kept = parseZoneText(old.join("\n")).filter((r) => !g.types.has(typeToNumber(r.type)));
    const fresh = zoneTextLines(renderZoneText([...kept, ...g.records]));
    const oldSet = new Set(old);
    const freshSet = new Set(fresh);
    for (const line of old) if (!freshSet.has(line)) removed.push(line);
    for (const line of fresh) {
      if (!oldSet.has(line)) added.push([out.length, line]);
      out.push(line);
    }
    at = end;
  }
  for (let i = at; i < lines.length; i++) out.push(lines[i] as string);
  return { lines: out, removed, added };
}
