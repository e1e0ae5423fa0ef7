// Domain names as values (public API, tools, tests, zone origins): lower-case labels plus a key for every suffix.

import { AnswerError } from "./errors";

/** Maximum length of a label in octets (RFC 1035 §2.3.4). */
const MAX_LABEL = 63;
/** Maximum length of a name in wire form, in octets (RFC 1035 §2.3.4). */
export const MAX_NAME_WIRE = 255;

/** Octets escaped with a backslash in presentation form: " ( ) . ; \ @ $ (as BIND prints them). */
const SPECIAL = new Set([0x22, 0x28, 0x29, 0x2e, 0x3b, 0x5c, 0x40, 0x24]);

/**
 * A domain name prepared for lookups and name compression.
 * `labels` are lower-cased wire labels, leftmost first (root excluded). `keys[i]` is the lower-case
 * presentation form (trailing dot) of the name with its first `i` labels removed: `keys[0]` is the name
 * itself, `keys[labels.length]` is ".". Keys are the lookup keys of zone nodes and compression entries.
 */
export interface DnsName {
  readonly labels: readonly Buffer[];
  readonly keys: readonly string[];
}

/** Builds a {@link DnsName} from wire labels (copied and lower-cased). Throws when a label or the name is too long. */
export function nameFromLabels(labels: readonly Buffer[]): DnsName {
  const lower = labels.map(lowerLabel);
  const keys = new Array<string>(lower.length + 1);
  keys[lower.length] = ".";
  let wire = 1;
  for (let i = lower.length - 1; i >= 0; i--) {
    const label = lower[i] as Buffer;
    if (label.length === 0 || label.length > MAX_LABEL) throw new AnswerError("PDNSD_ANSWER_BAD_NAME", "bad label length");
    wire += label.length + 1;
    const rest = keys[i + 1] as string;
    keys[i] = formatLabel(label) + "." + (rest === "." ? "" : rest);
  }
  if (wire > MAX_NAME_WIRE) throw new AnswerError("PDNSD_ANSWER_BAD_NAME", "name longer than 255 octets");
  return { labels: lower, keys };
}

/** Parses an absolute name in presentation form (`\X` and `\DDD` escapes; a missing trailing dot is tolerated). */
export function parseName(text: string): DnsName {
  if (text === "." || text === "") return nameFromLabels([]);
  if (!text.includes("\\")) {
    // Fast path: no escapes, so every dot separates labels.
    const parts = text.split(".");
    if (parts[parts.length - 1] === "") parts.pop();
    return nameFromLabels(parts.map((p) => Buffer.from(p, "utf8")));
  }
  return nameFromLabels(parseEscapedLabels(text));
}

/** Splits a presentation name with escapes into labels (RFC 1035 §5.1). */
function parseEscapedLabels(text: string): Buffer[] {
  const labels: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) {
      const digits = text.slice(i + 1, i + 4);
      if (/^[0-9]{3}$/.test(digits) && Number(digits) < 256) {
        current.push(Number(digits));
        i += 3;
      } else if (i + 1 < text.length && !/^[0-9]/.test(digits)) {
        current.push(...Buffer.from(String.fromCodePoint(text.codePointAt(i + 1) as number), "utf8"));
        i += (text.codePointAt(i + 1) as number) > 0xffff ? 2 : 1;
      } else {
        throw new AnswerError("PDNSD_ANSWER_BAD_NAME", `bad escape in name "${text}"`);
      }
    } else if (ch === 0x2e) {
      labels.push(Buffer.from(current));
      current = [];
    } else {
      current.push(...Buffer.from(String.fromCodePoint(text.codePointAt(i) as number), "utf8"));
      if ((text.codePointAt(i) as number) > 0xffff) i++;
    }
  }
  if (current.length > 0) labels.push(Buffer.from(current));
  return labels;
}

/**
 * ASCII lower-casing of a label (DNS compares A-Z case-insensitively only, RFC 4343 §3). Returns the label
 * itself when it has no upper-case letter, else a lower-cased copy.
 */
export function lowerLabel(label: Buffer): Buffer {
  let i = 0;
  while (i < label.length && !isUpper(label[i] as number)) i++;
  if (i === label.length) return label;
  const out = Buffer.from(label);
  for (; i < out.length; i++) {
    const b = out[i] as number;
    if (isUpper(b)) out[i] = b + 0x20;
  }
  return out;
}

/** Printable octet that needs no escape in presentation form. */
function isPlain(b: number): boolean {
  return b > 0x20 && b < 0x7f && !SPECIAL.has(b);
}

function isUpper(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}

/** Prints one label in presentation form, escaping special and non-printable octets. */
export function formatLabel(label: Buffer): string {
  let i = 0;
  while (i < label.length && isPlain(label[i] as number)) i++;
  if (i === label.length) return label.toString("latin1");
  let out = "";
  for (const b of label) {
    if (SPECIAL.has(b)) out += "\\" + String.fromCharCode(b);
    else if (b <= 0x20 || b >= 0x7f) out += "\\" + String(b).padStart(3, "0");
    else out += String.fromCharCode(b);
  }
  return out;
}

/** The key (lower-case presentation form, trailing dot) of a name. */
export function nameKey(name: DnsName): string {
  return name.keys[0] as string;
}




/** Length of a name in uncompressed wire form, root octet included. */
export function nameWireLength(name: DnsName): number {
  let n = 1;
  for (const l of name.labels) n += l.length + 1;
  return n;
}

/** Uncompressed wire form of a name (lower case, so also its RFC 4034 §6.2 canonical form). */
export function nameToWire(name: DnsName): Buffer {
  const out = Buffer.alloc(nameWireLength(name));
  let pos = 0;
  for (const l of name.labels) {
    out[pos++] = l.length;
    l.copy(out, pos);
    pos += l.length;
  }
  return out;
}

/**
 * Reads an uncompressed name from wire data (names inside RDATA of signed zones are uncompressed,
 * RFC 3597 §4). Returns the name and the offset after it; throws on pointers or overruns.
 */
export function readUncompressedName(buf: Buffer, offset: number): { name: DnsName; end: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new AnswerError("PDNSD_ANSWER_BAD_NAME", "name runs past the end of the data");
    const len = buf[pos] as number;
    if (len === 0) return { name: nameFromLabels(labels), end: pos + 1 };
    if (len > MAX_LABEL || pos + 1 + len > buf.length) {
      throw new AnswerError("PDNSD_ANSWER_BAD_NAME", "bad label in wire name");
    }
    labels.push(buf.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
}

