// Differences between two canonical zone strings (IXFR-style: lines removed and lines added) and their application.
//
// Canonical zone text (renderZoneText) has one record per line, every line distinct and in canonical order. A
// delta names the old lines that go and, for each new line, its position in the new text, so applying it
// needs no record parsing and no ordering rules: the kept lines stay in their order and the added lines are
// put at their positions. Whoever applies a delta still checks the result's SHA-256 against a signed digest.
import { ZoneTextError } from "./errors";

/** The difference from one zone text to another. */
export interface ZoneTextDelta {
  /** Lines of the old text that are not in the new one (without the newline), in old-text order. */
  removed: string[];
  /** Lines of the new text that are not in the old one, with their 0-based line index in the new text, ascending. */
  added: Array<[number, string]>;
}

/** The lines of a zone text (each ended by "\n"; a final line without "\n" still counts). */
export function zoneTextLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The zone text of `lines` (each ended by "\n"). */
function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}

/**
 * The delta that turns `oldText` into `newText` (both canonical: distinct lines). O(lines) with two hash sets;
 * lines are compared as strings, so a TTL change is one line removed and one added.
 */
export function diffZoneText(oldText: string, newText: string): ZoneTextDelta {
  const oldLines = zoneTextLines(oldText);
  const newLines = zoneTextLines(newText);
  const oldSet = new Set(oldLines);
  const newSet = new Set(newLines);
  const removed = oldLines.filter((line) => !newSet.has(line));
  const added: Array<[number, string]> = [];
  newLines.forEach((line, i) => {
    if (!oldSet.has(line)) added.push([i, line]);
  });
  return { removed, added };
}

/** UTF-8 bytes the delta's lines take (a measure to compare with the full text's size). */
export function zoneTextDeltaBytes(delta: ZoneTextDelta): number {
  let bytes = 0;
  for (const line of delta.removed) bytes += Buffer.byteLength(line, "utf8") + 1;
  for (const [, line] of delta.added) bytes += Buffer.byteLength(line, "utf8") + 8;
  return bytes;
}

/**
 * Applies `delta` to `oldText`. Throws {@link ZoneTextError} when the delta does not fit the text: a removed
 * line the text lacks (or named twice), an added line with a newline, positions not ascending or past the end.
 * `checkAdded`, when given, is called with each added line and its neighbours in the new text (undefined at the
 * ends) and may throw (e.g. a line out of canonical order). The result is only as trustworthy as its check
 * against a signed digest.
 */
export function applyZoneTextDelta(
  oldText: string,
  delta: ZoneTextDelta,
  checkAdded?: (prev: string | undefined, line: string, next: string | undefined) => void,
): string {
  const oldLines = zoneTextLines(oldText);
  const removed = new Set(delta.removed);
  if (removed.size !== delta.removed.length) throw new ZoneTextError("delta removes the same line twice");
  const kept: string[] = [];
  let found = 0;
  for (const line of oldLines) {
    if (removed.has(line)) found++;
    else kept.push(line);
  }
  if (found !== removed.size) throw new ZoneTextError(`delta removes ${removed.size - found} line(s) the held zone text does not have`);
  const total = kept.length + delta.added.length;
  const out: string[] = new Array<string>(total);
  let k = 0;
  let next = 0;
  let prev = -1;
  for (const [index, line] of delta.added) {
    if (!Number.isInteger(index) || index <= prev || index >= total) {
      throw new ZoneTextError(`delta adds a line at position ${index}: positions must ascend within 0..${total - 1}`);
    }
    if (line.includes("\n")) throw new ZoneTextError(`delta adds a line containing a newline at position ${index}`);
    while (next < index) out[next++] = kept[k++] ?? "";
    out[next++] = line;
    prev = index;
  }
  while (next < total) out[next++] = kept[k++] ?? "";
  if (checkAdded) for (const [index, line] of delta.added) checkAdded(out[index - 1], line, out[index + 1]);
  return joinLines(out);
}
