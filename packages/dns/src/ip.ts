// IPv4/IPv6 address text ↔ octets, printed like inet_ntop (RFC 5952 compression) for AAAA RDATA.

import { RdataError } from "./errors";

/**
 * A dotted-quad IPv4 address ("192.0.2.1": exactly four parts of 1 to 3 decimal digits, each ≤ 255) as a 32-bit
 * unsigned number, or -1 for any other text. No allocation: the answer engine's compiler uses it per A record.
 */
export function dottedQuadValue(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part > 255 || ++parts > 4) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      part = part * 10 + (c - 0x30);
      digits++;
    } else {
      return -1;
    }
  }
  return parts === 4 ? value : -1;
}

/** Parses a dotted-quad IPv4 address into 4 octets; throws {@link RdataError} if malformed. */
export function parseIPv4(text: string): Buffer {
  const value = dottedQuadValue(text);
  if (value < 0) throw new RdataError(`"${text}" is not an IPv4 address`);
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value, 0);
  return out;
}

/** Prints 4 octets as a dotted-quad IPv4 address. */
export function formatIPv4(octets: Buffer): string {
  return [...octets].join(".");
}

/** Parses an IPv6 address (with "::" and an optional trailing dotted quad) into 16 octets. */
export function parseIPv6(text: string): Buffer {
  const bad = (): RdataError => new RdataError(`"${text}" is not an IPv6 address`);
  const halves = text.split("::");
  if (halves.length > 2) throw bad();
  const words = (part: string, allowV4: boolean): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    const groups = part.split(":");
    groups.forEach((g, i) => {
      if (allowV4 && i === groups.length - 1 && g.includes(".")) {
        const v4 = parseIPv4(g);
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) {
        out.push(parseInt(g, 16));
      } else {
        throw bad();
      }
    });
    return out;
  };
  let all: number[];
  try {
    if (halves.length === 1) {
      all = words(halves[0] ?? "", true);
      if (all.length !== 8) throw bad();
    } else {
      const head = words(halves[0] ?? "", false);
      const tail = words(halves[1] ?? "", true);
      if (head.length + tail.length > 7) throw bad();
      all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
    }
  } catch {
    throw bad();
  }
  const buf = Buffer.alloc(16);
  all.forEach((w, i) => buf.writeUInt16BE(w, i * 2));
  return buf;
}

/**
 * Prints 16 octets as an IPv6 address like inet_ntop: lower-case hex, the longest run (≥ 2) of zero words as "::",
 * and IPv4-mapped / IPv4-compatible addresses with a trailing dotted quad.
 */
export function formatIPv6(octets: Buffer): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(octets.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const v4Tail = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff));
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += "::";
      i += bestLen - 1;
      continue;
    }
    if (v4Tail && i === 6) {
      if (!out.endsWith(":")) out += ":";
      out += formatIPv4(octets.subarray(12, 16));
      break;
    }
    if (out !== "" && !out.endsWith(":")) out += ":";
    out += (words[i] ?? 0).toString(16);
  }
  return out;
}
