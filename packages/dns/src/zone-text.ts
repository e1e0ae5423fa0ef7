// The canonical zone string: deterministic rendering of a record set and its strict parser.

import { ZoneTextError } from "./errors";
import { compareLabels, formatNameLabels, lowerLabel, parseNameText } from "./names";
import { rdataFromWire, rdataToWire } from "./rdata";
import { numberToType, typeToNumber } from "./rrtypes";
import type { WireRecord } from "./message-records";
import type { ZoneRecord, ZoneWireRecord } from "./types";
import { WireReader } from "./wire";

const SOA = 6;
const MAX_TTL = 0xffffffff;

/** A record in canonical form with the keys used to order it. */
interface Canonical {
  labels: Buffer[];
  name: string;
  typeNumber: number;
  type: string;
  ttl: number;
  wire: Buffer;
  rdata: string;
}

/** Canonicalizes one record: lower-case absolute owner, canonical type and RDATA; throws plain errors. */
function canonicalize(name: string, type: string, ttl: number, rdata: string): Canonical {
  const labels = parseNameText(name).labels.map(lowerLabel);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw new Error(`TTL ${ttl} is not an integer in 0..${MAX_TTL}`);
  const typeNumber = typeToNumber(type);
  const wire = rdataToWire(type, rdata);
  return { labels, name: formatNameLabels(labels), typeNumber, type: numberToType(typeNumber), ttl, wire, rdata: rdataFromWire(typeNumber, wire) };
}

/** Order: canonical owner name, SOA first, type number, RDATA octets, then TTL (so de-duplication is stable). */
function compareRecords(a: Canonical, b: Canonical): number {
  const byName = compareLabels(a.labels, b.labels, true);
  if (byName !== 0) return byName;
  if (a.typeNumber !== b.typeNumber) {
    if (a.typeNumber === SOA) return -1;
    if (b.typeNumber === SOA) return 1;
    return a.typeNumber - b.typeNumber;
  }
  return Buffer.compare(a.wire, b.wire) || a.ttl - b.ttl;
}

/** Canonical form of a record read from wire (owner labels already lower-case); throws plain errors. */
function canonicalizeWire(r: WireRecord): Canonical {
  if (!Number.isInteger(r.ttl) || r.ttl < 0 || r.ttl > MAX_TTL) throw new Error(`TTL ${r.ttl} is not an integer in 0..${MAX_TTL}`);
  return { labels: r.owner, name: formatNameLabels(r.owner), typeNumber: r.type, type: numberToType(r.type), ttl: r.ttl, wire: r.rdata, rdata: rdataFromWire(r.type, r.rdata) };
}

/** Sorts canonical records and prints them, one line each, duplicates removed (see {@link renderZoneText}). */
function renderCanonical(canon: Canonical[]): string {
  canon.sort(compareRecords);
  let out = "";
  let prev: Canonical | undefined;
  for (const c of canon) {
    if (prev && prev.name === c.name && prev.typeNumber === c.typeNumber && prev.wire.equals(c.wire)) continue;
    out += `${c.name} ${c.ttl} IN ${c.type} ${c.rdata}\n`;
    prev = c;
  }
  return out;
}

/**
 * The canonical zone string of records read from wire form (e.g. an AXFR, see {@link axfrWire}): the same string
 * {@link renderZoneText} gives for the same records in presentation form, without parsing presentation text.
 * Throws {@link ZoneTextError} on an invalid record.
 */
export function renderZoneTextFromWire(records: readonly WireRecord[]): string {
  const canon = records.map((r, i) => {
    try {
      return canonicalizeWire(r);
    } catch (err) {
      throw new ZoneTextError(`record ${i + 1} (${formatNameLabels(r.owner)} type ${r.type}): ${(err as Error).message}`, { cause: err });
    }
  });
  return renderCanonical(canon);
}

/**
 * Renders records as the canonical zone string: one `<name> <ttl> IN <type> <rdata>\n` line per record, owner names
 * absolute and lower-case, RDATA in canonical presentation form, sorted in canonical name order (SOA first at a
 * name, then type number, then RDATA octets), duplicates (same name, type and RDATA) removed keeping the lowest TTL.
 * The same set of records in any order gives the same string. Throws {@link ZoneTextError} on an invalid record.
 */
export function renderZoneText(records: readonly ZoneRecord[]): string {
  const canon = records.map((r, i) => {
    try {
      return canonicalize(r.name, r.type, r.ttl, r.rdata);
    } catch (err) {
      throw new ZoneTextError(`record ${i + 1} (${r.name} ${r.type}): ${(err as Error).message}`, { cause: err });
    }
  });
  return renderCanonical(canon);
}

/** Splits a line into its first four blank-separated fields (verbatim slices, backslash escapes kept) and the rest. */
function splitLine(line: string): { fields: string[]; rest: string } {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  while (fields.length < 4) {
    while (i < n && (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 0x20 && line.charCodeAt(i) !== 0x09) i += line.charCodeAt(i) === 0x5c && i + 1 < n ? 2 : 1;
    fields.push(line.slice(start, i));
  }
  return { fields, rest: line.slice(i) };
}

/** Removes a trailing `; comment` (an unquoted, unescaped semicolon) and surrounding blanks from RDATA text. */
function stripComment(text: string): string {
  if (!text.includes(";")) return text.trim();
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ";" && !quoted) return text.slice(0, i).trim();
  }
  return text.trim();
}

/** A TTL field (1 to 10 decimal digits, at most 2^32 - 1) as a number; -1 when invalid. */
function parseTtl(text: string): number {
  if (text.length === 0 || text.length > 10) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v > MAX_TTL ? -1 : v;
}

/**
 * True when `text` is an absolute name already in canonical form (what {@link formatNameLabels} prints for
 * lower-case labels): printable ASCII without upper case or characters that would be escaped, labels of 1..63
 * octets, at most 255 octets in wire form. Anything else (escapes included) is left to the full parser.
 */
function isCanonicalPlainName(text: string): boolean {
  const n = text.length;
  if (n < 2 || n > 254 || text.charCodeAt(n - 1) !== 0x2e) return false;
  let label = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0 || label > 63) return false;
      label = 0;
    } else if (c >= 0x80 || PLAIN_NAME_CHAR[c] === 0) {
      return false;
    } else {
      label++;
    }
  }
  return true;
}

/**
 * 1 for the ASCII characters that stand for themselves in a canonical name: printable, not upper case, not one that
 * {@link formatNameLabels} escapes (" ( ) ; \ @ $ and the dot, which separates labels).
 */
const PLAIN_NAME_CHAR = Uint8Array.from({ length: 128 }, (_, c) =>
  c > 0x20 && c < 0x7f && !(c >= 0x41 && c <= 0x5a) && !'"();\\@$.'.includes(String.fromCharCode(c)) ? 1 : 0,
);

/** The canonical (lower-case, canonical escapes) form of an absolute owner name; throws plain errors. */
function canonicalOwner(text: string): string {
  if (text === "." || isCanonicalPlainName(text)) return text;
  const parsed = parseNameText(text);
  if (!parsed.absolute) throw new Error(`owner name "${text}" is not absolute`);
  return formatNameLabels(parsed.labels.map(lowerLabel));
}

/**
 * Parses a zone text like {@link parseZoneText} and validates every record the same way (each line's RDATA is
 * converted to wire form), but returns each record with its type number and wire RDATA and leaves its RDATA text as
 * given: no presentation round trip. For canonical text (as rendered by {@link renderZoneText}) the records equal
 * those of {@link parseZoneText}. Throws {@link ZoneTextError} naming the line number and the problem.
 */
export function parseZoneTextWire(text: string): ZoneWireRecord[] {
  const records: ZoneWireRecord[] = [];
  let lineNo = 0;
  for (let from = 0; from <= text.length; ) {
    let to = text.indexOf("\n", from);
    if (to < 0) to = text.length;
    lineNo++;
    const line = text.charCodeAt(to - 1) === 0x0d && to > from ? text.slice(from, to - 1) : text.slice(from, to);
    from = to + 1;
    const record = parseLine(line, lineNo);
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** One line of a zone text as a record; undefined for a blank or comment line. Throws {@link ZoneTextError}. */
function parseLine(line: string, lineNo: number): ZoneWireRecord | undefined {
  const first = line.charCodeAt(0);
  // Lines starting with a visible ASCII character other than ";" need no trimming to be classified.
  if (!(first > 0x20 && first < 0x7f && first !== 0x3b)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith(";")) return undefined;
  }
  const fail = (problem: string, cause?: unknown): never => {
    throw new ZoneTextError(`line ${lineNo}: ${problem}`, { line: lineNo, cause });
  };
  if (first === 0x20 || first === 0x09) fail("line starts with blank space (owner name required)");
  const { fields, rest } = splitLine(line);
  const [name, ttlText, klass, type] = fields as [string, string, string, string];
  if (type === undefined) fail(`expected "<name> <ttl> IN <type> <rdata>", got "${line.trim()}"`);
  const ttl = parseTtl(ttlText);
  if (ttl < 0) fail(`invalid TTL "${ttlText}"`);
  if (klass !== "IN" && klass.toUpperCase() !== "IN") fail(`class must be IN, got "${klass}"`);
  const rdata = stripComment(rest);
  if (rdata === "") fail(`missing RDATA for type ${type}`);
  try {
    const owner = canonicalOwner(name);
    const typeNumber = typeToNumber(type);
    return { name: owner, type: numberToType(typeNumber), ttl, rdata, typeNumber, wire: rdataToWire(type, rdata) };
  } catch (err) {
    return fail((err as Error).message, err);
  }
}

/**
 * Compares two lines of a canonical zone text in the order {@link renderZoneText} sorts them (canonical owner name,
 * SOA first, type number, RDATA octets, then TTL): negative when `a` comes first, 0 for the same record. In a
 * canonical text every line comes strictly before the next. Throws {@link ZoneTextError} when a line is no record.
 */
export function compareZoneTextLines(a: string, b: string): number {
  return compareRecords(canonicalOfLine(a), canonicalOfLine(b));
}

/** The sort keys of one record line (see {@link compareZoneTextLines}). */
function canonicalOfLine(line: string): Canonical {
  const r = parseLine(line, 1);
  if (r === undefined) throw new ZoneTextError(`not a record line: "${line}"`);
  const labels = parseNameText(r.name).labels.map(lowerLabel);
  return { labels, name: r.name, typeNumber: r.typeNumber, type: r.type, ttl: r.ttl, wire: r.wire, rdata: r.rdata };
}

/**
 * Parses a canonical zone string (as made by {@link renderZoneText}): one `<name> <ttl> IN <type> <rdata>` record
 * per line; blank lines and `;` comment lines are skipped. Owner names must be absolute; RDATA is validated by
 * conversion to wire form and returned in canonical presentation form. Records are returned in file order.
 * Throws {@link ZoneTextError} naming the line number and the problem.
 */
export function parseZoneText(text: string): ZoneRecord[] {
  return parseZoneTextWire(text).map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, rdata: rdataFromWire(r.typeNumber, r.wire) }));
}

/** The SOA serial in an SOA record's uncompressed RDATA; throws RdataError when it is too short. */
export function soaSerialOfWire(rdata: Buffer): number {
  const r = new WireReader(rdata);
  r.name();
  r.name();
  return r.u32();
}

/**
 * The serial of the zone's SOA record. Throws {@link ZoneTextError} when there is no SOA record, more than one,
 * or its RDATA is invalid.
 */
export function soaSerialOf(records: readonly ZoneRecord[]): number {
  const soas = records.filter((r) => r.type.toUpperCase() === "SOA" || r.type.toUpperCase() === "TYPE6");
  const soa = soas[0];
  if (soa === undefined) throw new ZoneTextError("the zone has no SOA record");
  if (soas.length > 1) throw new ZoneTextError(`the zone has ${soas.length} SOA records`);
  try {
    return soaSerialOfWire(rdataToWire("SOA", soa.rdata));
  } catch (err) {
    throw new ZoneTextError(`invalid SOA record of ${soa.name}: ${(err as Error).message}`, { cause: err });
  }
}
