// The canonical zone string: deterministic rendering of a record set and its strict parser.

import { ZoneTextError } from "./errors";
import { compareLabels, formatNameLabels, lowerLabel, parseNameText } from "./names";
import { rdataFromWire, rdataToWire } from "./rdata";
import { numberToType, typeToNumber } from "./rrtypes";
import type { WireRecord } from "./message-records";
import type { ZoneRecord } from "./types";
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

/** Splits a line into its first four whitespace-separated fields (backslash escapes kept) and the rest. */
function splitLine(line: string): { fields: string[]; rest: string } {
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
    if (i >= line.length) break;
    let field = "";
    while (i < line.length && line[i] !== " " && line[i] !== "\t") {
      if (line[i] === "\\" && i + 1 < line.length) field += line[i++];
      field += line[i++];
    }
    fields.push(field);
  }
  return { fields, rest: line.slice(i) };
}

/** Removes a trailing `; comment` (an unquoted, unescaped semicolon) and surrounding blanks from RDATA text. */
function stripComment(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ";" && !quoted) return text.slice(0, i).trim();
  }
  return text.trim();
}

/**
 * Parses a canonical zone string (as made by {@link renderZoneText}): one `<name> <ttl> IN <type> <rdata>` record
 * per line; blank lines and `;` comment lines are skipped. Owner names must be absolute; RDATA is validated by
 * conversion to wire form and returned in canonical presentation form. Records are returned in file order.
 * Throws {@link ZoneTextError} naming the line number and the problem.
 */
export function parseZoneText(text: string): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith(";")) return;
    const fail = (problem: string, cause?: unknown): never => {
      throw new ZoneTextError(`line ${lineNo}: ${problem}`, { line: lineNo, cause });
    };
    if (line[0] === " " || line[0] === "\t") fail("line starts with blank space (owner name required)");
    const { fields, rest } = splitLine(line);
    const [name, ttlText, klass, type] = fields;
    if (type === undefined) fail(`expected "<name> <ttl> IN <type> <rdata>", got "${trimmed}"`);
    if (!/^[0-9]{1,10}$/.test(ttlText as string) || Number(ttlText) > MAX_TTL) fail(`invalid TTL "${ttlText}"`);
    if ((klass as string).toUpperCase() !== "IN") fail(`class must be IN, got "${klass}"`);
    const rdata = stripComment(rest);
    if (rdata === "") fail(`missing RDATA for type ${type}`);
    try {
      if (!parseNameText(name as string).absolute) fail(`owner name "${name}" is not absolute`);
      const c = canonicalize(name as string, type as string, Number(ttlText), rdata);
      records.push({ name: c.name, type: c.type, ttl: c.ttl, rdata: c.rdata });
    } catch (err) {
      if (err instanceof ZoneTextError) throw err;
      fail((err as Error).message, err);
    }
  });
  return records;
}

/**
 * The serial of the zone's SOA record. Throws {@link ZoneTextError} when there is no SOA record, more than one,
 * or its RDATA is invalid.
 */
export function soaSerialOf(records: readonly ZoneRecord[]): number {
  const soas = records.filter((r) => r.type.toUpperCase() === "SOA" || r.type.toUpperCase() === "TYPE6");
  if (soas.length === 0) throw new ZoneTextError("the zone has no SOA record");
  if (soas.length > 1) throw new ZoneTextError(`the zone has ${soas.length} SOA records`);
  const soa = soas[0] as ZoneRecord;
  try {
    const r = new WireReader(rdataToWire("SOA", soa.rdata));
    r.name();
    r.name();
    return r.u32();
  } catch (err) {
    throw new ZoneTextError(`invalid SOA record of ${soa.name}: ${(err as Error).message}`, { cause: err });
  }
}
