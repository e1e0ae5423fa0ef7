// A canonical zone text held as chunks of lines, so a delta costs O(change + chunk), not O(zone) (docs/scale.md).
import { ZoneTextError, compareCanonical, compareZoneTextLines, zoneTextLines } from "@pdns-distribute/dns";
import type { ZoneTextDelta } from "@pdns-distribute/dns";

/** Lines per chunk when a text is split; a chunk grown to twice this is split in two. */
export const ZONE_LINES_CHUNK = 512;

/** The owner name of a zone text line (up to the first space). */
function ownerOf(line: string): string {
  const space = line.indexOf(" ");
  return space < 0 ? line : line.slice(0, space);
}

/**
 * The lines of a canonical zone text (strictly ascending in compareZoneTextLines order, as renderZoneText makes
 * them), immutable: {@link ZoneLines.applyDelta} returns a new value sharing the chunks it did not touch. Lines are
 * found by binary search, so a text that is not canonical makes deltas fail (the caller then takes the full zone).
 */
export class ZoneLines {
  private constructor(
    private readonly chunks: readonly (readonly string[])[],
    /** Number of lines. */
    readonly count: number,
    /** Length of the text, UTF-16 code units (each line and its "\n"). */
    readonly length: number,
  ) {}

  /** The lines of `text` (split once, O(text)). */
  static fromText(text: string): ZoneLines {
    const lines = zoneTextLines(text);
    const chunks: string[][] = [];
    for (let i = 0; i < lines.length; i += ZONE_LINES_CHUNK) chunks.push(lines.slice(i, i + ZONE_LINES_CHUNK));
    return new ZoneLines(chunks, lines.length, lines.length === 0 ? 0 : text.length + (text.endsWith("\n") ? 0 : 1));
  }

  /** The zone text (each line ended by "\n"): O(zone), only when really needed. */
  text(): string {
    return this.count === 0 ? "" : this.chunks.map((c) => c.join("\n")).join("\n") + "\n";
  }

  /** The line at `index`, or undefined outside 0..count-1. */
  at(index: number): string | undefined {
    if (index < 0) return undefined;
    let i = index;
    for (const chunk of this.chunks) {
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    return undefined;
  }

  /**
   * The lines owned by `name` (as written in the text, canonical): contiguous in canonical order, found by binary
   * search over the owner names.
   */
  linesOf(name: string): string[] {
    const out: string[] = [];
    let c = this.firstChunk((last) => compareCanonical(ownerOf(last), name) >= 0);
    for (; c < this.chunks.length; c++) {
      for (const line of this.chunks[c]) {
        const cmp = compareCanonical(ownerOf(line), name);
        if (cmp > 0) return out;
        if (cmp === 0 && ownerOf(line) === name) out.push(line);
      }
    }
    return out;
  }

  /**
   * The lines after `delta`, exactly as applyZoneTextDelta makes them from the text: every removed line must be
   * held (found by binary search) and named once; added lines go at their ascending positions in the result.
   * `checkAdded` sees each added line with its new neighbours. Throws ZoneTextError when the delta does not fit.
   */
  applyDelta(delta: ZoneTextDelta, checkAdded?: (prev: string | undefined, line: string, next: string | undefined) => void): ZoneLines {
    if (new Set(delta.removed).size !== delta.removed.length) throw new ZoneTextError("delta removes the same line twice");
    const chunks = [...this.chunks] as string[][];
    // Chunks copied for this result (the others are shared with this value and never written).
    const owned = new Set<string[]>();
    const own = (c: number): string[] => {
      if (!owned.has(chunks[c])) owned.add((chunks[c] = [...chunks[c]]));
      return chunks[c];
    };
    let count = this.count;
    let length = this.length;
    for (const line of delta.removed) {
      const at = findLine(chunks, line);
      if (at === undefined) throw new ZoneTextError(`delta removes a line the held zone text does not have: "${line}"`);
      const chunk = own(at[0]);
      chunk.splice(at[1], 1);
      if (chunk.length === 0) chunks.splice(at[0], 1); // no empty chunk: the binary searches rely on it
      count--;
      length -= line.length + 1;
    }
    const total = count + delta.added.length;
    let prev = -1;
    for (const [index, line] of delta.added) {
      if (!Number.isInteger(index) || index <= prev || index >= total) {
        throw new ZoneTextError(`delta adds a line at position ${index}: positions must ascend within 0..${total - 1}`);
      }
      if (line.includes("\n")) throw new ZoneTextError(`delta adds a line containing a newline at position ${index}`);
      insertAt(chunks, index, line, own, owned);
      length += line.length + 1;
      prev = index;
    }
    const next = new ZoneLines(chunks, total, length);
    if (checkAdded) for (const [index, line] of delta.added) checkAdded(next.at(index - 1), line, next.at(index + 1));
    return next;
  }

  /** Index of the first chunk whose last line satisfies `atOrAfter` (monotone), or the chunk count. */
  private firstChunk(atOrAfter: (last: string) => boolean): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = this.chunks[mid];
      if (atOrAfter(chunk[chunk.length - 1])) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** [chunk, index] of `line` in canonically ordered chunks, or undefined (also for a line that is no record). */
function findLine(chunks: readonly (readonly string[])[], line: string): [number, number] | undefined {
  const cmp = (a: string): number => {
    try {
      return compareZoneTextLines(a, line);
    } catch {
      return Number.NaN;
    }
  };
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const chunk = chunks[mid];
    if (cmp(chunk[chunk.length - 1]) >= 0) hi = mid;
    else lo = mid + 1;
  }
  const chunk = chunks[lo];
  if (chunk === undefined) return undefined;
  let a = 0;
  let b = chunk.length;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (cmp(chunk[mid]) >= 0) b = mid;
    else a = mid + 1;
  }
  return chunk[a] === line ? [lo, a] : undefined;
}

/** Inserts `line` so that it ends at position `index`, splitting a chunk grown past twice the chunk size. */
function insertAt(chunks: string[][], index: number, line: string, own: (c: number) => string[], owned: Set<string[]>): void {
  let i = index;
  let c = 0;
  while (c < chunks.length - 1 && i > chunks[c].length) {
    i -= chunks[c].length;
    c++;
  }
  if (chunks.length === 0) {
    const chunk = [line];
    owned.add(chunk);
    chunks.push(chunk);
    return;
  }
  const chunk = own(c);
  chunk.splice(i, 0, line);
  if (chunk.length >= 2 * ZONE_LINES_CHUNK) {
    const halves = [chunk.slice(0, ZONE_LINES_CHUNK), chunk.slice(ZONE_LINES_CHUNK)];
    for (const h of halves) owned.add(h);
    chunks.splice(c, 1, ...halves);
  }
}
