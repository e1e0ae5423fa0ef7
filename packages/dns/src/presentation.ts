// Presentation-form helpers for RDATA: tokenizer, character-strings, integers, hex, base64, base32hex, times.

import { RdataError } from "./errors";

/** One whitespace-separated RDATA field; `text` keeps backslash escapes, quotes of a quoted field are removed. */
export interface Token {
  /** Field text without surrounding quotes, escapes kept verbatim. */
  text: string;
  /** True when the field was written in double quotes. */
  quoted: boolean;
}

/** Space, tab, CR or LF (character codes). */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/**
 * Splits RDATA presentation text into fields. Double-quoted fields may contain spaces; a backslash escapes the next
 * character everywhere. Throws {@link RdataError} on an unterminated quote or a quote inside an unquoted field.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const quoted = text.charCodeAt(i) === 0x22;
    if (quoted) i++;
    // A field's text is a verbatim slice of the input: escapes are kept, only the quotes around it dropped.
    const start = i;
    let end: number;
    for (;;) {
      if (i >= n) {
        if (quoted) throw new RdataError(`unterminated quoted string in "${text}"`);
        end = i;
        break;
      }
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        if (i + 1 >= n) throw new RdataError(`dangling backslash at the end of "${text}"`);
        i += 2;
        continue;
      }
      if (quoted && c === 0x22) {
        end = i++;
        if (i < n && !isSpace(text.charCodeAt(i))) throw new RdataError(`missing space after closing quote in "${text}"`);
        break;
      }
      if (!quoted && isSpace(c)) {
        end = i;
        break;
      }
      if (!quoted && c === 0x22) throw new RdataError(`unexpected quote inside a field in "${text}"`);
      i++;
    }
    tokens.push({ text: text.slice(start, end), quoted });
  }
  return tokens;
}

/** Resolves `\X` and `\DDD` escapes of a field into octets (other characters are UTF-8 encoded). */
export function unescapeOctets(text: string): Buffer {
  if (!text.includes("\\")) return Buffer.from(text, "utf8");
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
    i += ch.length;
    if (ch !== "\\") {
      out.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const digits = text.slice(i, i + 3);
    if (/^[0-9]{3}$/.test(digits)) {
      const v = Number(digits);
      if (v > 255) throw new RdataError(`escape \\${digits} out of range`);
      out.push(v);
      i += 3;
    } else if (/^[0-9]/.test(digits)) {
      throw new RdataError(`escape \\${digits} needs exactly three decimal digits`);
    } else {
      const next = String.fromCodePoint(text.codePointAt(i) ?? 0);
      out.push(...Buffer.from(next, "utf8"));
      i += next.length;
    }
  }
  return Buffer.from(out);
}

/** Prints octets as a quoted string like BIND: `"` and `\` backslash-escaped, non-printable octets as `\DDD`. */
export function formatQuoted(octets: Buffer): string {
  let out = '"';
  for (const b of octets) {
    if (b === 0x22 || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b < 0x20 || b >= 0x7f) out += "\\" + String(b).padStart(3, "0");
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

/** Parses an unsigned decimal integer field of at most `max`; `what` names the field in the error. */
export function parseUint(token: Token | undefined, max: number, what: string): number {
  if (token === undefined) throw new RdataError(`missing ${what}`);
  if (token.quoted || !/^[0-9]{1,10}$/.test(token.text)) throw new RdataError(`${what} "${token.text}" is not an unsigned integer`);
  const v = Number(token.text);
  if (v > max) throw new RdataError(`${what} ${v} is out of range (max ${max})`);
  return v;
}

/** Parses hexadecimal octets (case-insensitive, even number of digits); `allowEmpty` accepts "". */
export function parseHex(text: string, what: string, allowEmpty = false): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new RdataError(`${what} "${text}" is not an even number of hex digits`);
  if (text === "" && !allowEmpty) throw new RdataError(`missing ${what}`);
  return Buffer.from(text, "hex");
}

/** Prints octets as upper-case hexadecimal. */
export function formatHex(octets: Buffer): string {
  return octets.toString("hex").toUpperCase();
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses padded standard base64 (RFC 4648 §4); throws on any other character or bad padding. */
export function parseBase64(text: string, what: string): Buffer {
  if (text === "") throw new RdataError(`missing ${what}`);
  if (!BASE64.test(text)) throw new RdataError(`${what} is not valid base64`);
  return Buffer.from(text, "base64");
}

const B32HEX = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

/** Prints octets in base32hex (RFC 4648 §7) without padding, upper case as BIND does. */
export function formatBase32Hex(octets: Buffer): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of octets) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32HEX[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32HEX[(acc << (5 - bits)) & 31];
  return out;
}

/** Parses unpadded base32hex (case-insensitive); throws on bad characters, length or non-zero trailing bits. */
export function parseBase32Hex(text: string, what: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of text.toUpperCase()) {
    const v = B32HEX.indexOf(c);
    if (v < 0) throw new RdataError(`${what} "${text}" is not valid base32hex`);
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
      acc &= (1 << bits) - 1;
    }
  }
  if (bits >= 5 || acc !== 0) throw new RdataError(`${what} "${text}" is not valid base32hex (bad length)`);
  return Buffer.from(out);
}

const pad2 = (n: number): string => String(n).padStart(2, "0");

/** Prints a 32-bit DNSSEC timestamp (seconds since 1970, unsigned) as YYYYMMDDHHmmSS in UTC. */
export function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (
    String(d.getUTCFullYear()).padStart(4, "0") +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds())
  );
}

/** Recently parsed YYYYMMDDHHmmSS timestamps (a signed zone's RRSIGs share a few): text → seconds. */
const recentTimes = new Map<string, number>();

/** Parses a DNSSEC timestamp: YYYYMMDDHHmmSS (UTC) or plain seconds; must fit in 32 bits unsigned. */
export function parseTime(token: Token | undefined, what: string): number {
  if (token === undefined) throw new RdataError(`missing ${what}`);
  const t = token.text;
  const recent = token.quoted ? undefined : recentTimes.get(t);
  if (recent !== undefined) return recent;
  if (!token.quoted && /^[0-9]{14}$/.test(t)) {
    const ms = Date.UTC(+t.slice(0, 4), +t.slice(4, 6) - 1, +t.slice(6, 8), +t.slice(8, 10), +t.slice(10, 12), +t.slice(12, 14));
    const seconds = ms / 1000;
    if (!(seconds >= 0 && seconds <= 0xffffffff) || formatTime(seconds) !== t) {
      throw new RdataError(`${what} "${t}" is not a valid time between 1970 and 2106`);
    }
    if (recentTimes.size >= 64) recentTimes.clear();
    recentTimes.set(t, seconds);
    return seconds;
  }
  return parseUint(token, 0xffffffff, what);
}
