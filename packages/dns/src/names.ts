// Domain names in presentation form: parsing with escapes, normalization, canonical order (RFC 4034 §6.1).

import { NameError } from "./errors";

/** Octets that must be backslash-escaped in a label printed in presentation form (as BIND does). */
const SPECIAL = new Set([0x22, 0x28, 0x29, 0x2e, 0x3b, 0x5c, 0x40, 0x24]); // " ( ) . ; \ @ $

/** Maximum length of a label in octets (RFC 1035 §2.3.4). */
export const MAX_LABEL = 63;
/** Maximum length of a name in wire form, octets (RFC 1035 §2.3.4). */
export const MAX_NAME_WIRE = 255;

/** Result of {@link parseNameText}: the labels as octets (root excluded) and whether the text ended with a dot. */
export interface ParsedName {
  /** Labels left to right, as raw octets; empty for the root. */
  labels: Buffer[];
  /** True when the text ends with an unescaped dot (or is "."). */
  absolute: boolean;
}

/**
 * Parses a name in presentation form into its labels. Handles `\X` and `\DDD` escapes (an escaped dot does not
 * split labels). Throws {@link NameError} on an empty name or label, a bad escape, or a label/name too long.
 */
export function parseNameText(text: string): ParsedName {
  if (text === "") throw new NameError("empty domain name");
  if (text === ".") return { labels: [], absolute: true };
  const parsed = text.includes("\\") ? parseEscaped(text) : parsePlain(text);
  const wireLength = parsed.labels.reduce((n, l) => n + l.length + 1, 1);
  if (wireLength > MAX_NAME_WIRE) throw new NameError(`name "${text}" is ${wireLength} octets long in wire form (max 255)`);
  return parsed;
}

/** Fast path of {@link parseNameText} for text without backslashes. */
function parsePlain(text: string): ParsedName {
  const absolute = text.endsWith(".");
  const parts = (absolute ? text.slice(0, -1) : text).split(".");
  const labels = parts.map((part) => {
    if (part === "") throw new NameError(`empty label in name "${text}"`);
    return finishLabel(Buffer.from(part, "utf8"), text);
  });
  return { labels, absolute };
}

/** General path of {@link parseNameText}: resolves `\X` and `\DDD` escapes. */
function parseEscaped(text: string): ParsedName {
  const labels: Buffer[] = [];
  let current: number[] = [];
  let absolute = false;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    absolute = false;
    if (ch === "\\") {
      if (i >= text.length) throw new NameError(`dangling backslash at the end of name "${text}"`);
      const digits = text.slice(i, i + 3);
      if (/^[0-9]{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) throw new NameError(`escape \\${digits} out of range in name "${text}"`);
        current.push(value);
        i += 3;
      } else if (/^[0-9]/.test(digits)) {
        throw new NameError(`escape \\${digits} needs exactly three decimal digits in name "${text}"`);
      } else {
        const next = String.fromCodePoint(text.codePointAt(i) ?? 0);
        current.push(...Buffer.from(next, "utf8"));
        i += next.length;
      }
    } else if (ch === ".") {
      if (current.length === 0) throw new NameError(`empty label in name "${text}"`);
      labels.push(finishLabel(Buffer.from(current), text));
      current = [];
      absolute = true;
    } else if (cp < 0x80) {
      current.push(cp);
    } else {
      current.push(...Buffer.from(ch, "utf8"));
    }
  }
  if (!absolute) labels.push(finishLabel(Buffer.from(current), text));
  return { labels, absolute };
}

function finishLabel(label: Buffer, text: string): Buffer {
  if (label.length > MAX_LABEL) throw new NameError(`label longer than 63 octets in name "${text}"`);
  return label;
}

/** Printable octet that needs no escape in presentation form. */
function isPlain(b: number): boolean {
  return b > 0x20 && b < 0x7f && !SPECIAL.has(b);
}

/** Prints one label in presentation form, escaping special characters and non-printable octets like BIND. */
export function formatLabel(label: Buffer): string {
  let i = 0;
  while (i < label.length && isPlain(label[i] ?? 0)) i++;
  if (i === label.length) return label.toString("latin1"); // fast path: nothing to escape
  let out = "";
  for (const b of label) {
    if (SPECIAL.has(b)) out += "\\" + String.fromCharCode(b);
    else if (b <= 0x20 || b >= 0x7f) out += "\\" + String(b).padStart(3, "0");
    else out += String.fromCharCode(b);
  }
  return out;
}

/** Prints labels (left to right, root excluded) as an absolute name with trailing dot; "." for none. */
export function formatNameLabels(labels: readonly Buffer[]): string {
  if (labels.length === 0) return ".";
  return labels.map(formatLabel).join(".") + ".";
}

function isUpper(b: number): boolean {
  return b >= 0x41 && b <= 0x5a;
}

/**
 * ASCII lower-casing of a label (DNS compares A-Z case-insensitively only, RFC 4343 §3). Returns the label
 * itself when it has no upper-case letter, else a lower-cased copy.
 */
export function lowerLabel(label: Buffer): Buffer {
  let i = 0;
  while (i < label.length && !isUpper(label[i] ?? 0)) i++;
  if (i === label.length) return label;
  const out = Buffer.from(label);
  for (; i < out.length; i++) {
    const b = out[i] ?? 0;
    if (isUpper(b)) out[i] = b + 0x20;
  }
  return out;
}

/**
 * Normalizes a name to lower-case, absolute form with a trailing dot and canonical escapes ("." for the root).
 * A name without trailing dot is taken as absolute. Throws {@link NameError} on an invalid name.
 */
export function normalizeName(name: string): string {
  return formatNameLabels(parseNameText(name).labels.map(lowerLabel));
}

/** The labels of a name, left to right, in presentation form (canonical escapes, case kept); [] for the root. */
export function labelsOf(name: string): string[] {
  return parseNameText(name).labels.map(formatLabel);
}

/** The parent of a name ("www.example.org." → "example.org."), case kept; null for the root. */
export function parentName(name: string): string | null {
  const { labels } = parseNameText(name);
  if (labels.length === 0) return null;
  return formatNameLabels(labels.slice(1));
}

/** True when `name` equals `zone` or is below it (case-insensitive, label-wise: "xexample.org." is not below "example.org."). */
export function isSubdomainOf(name: string, zone: string): boolean {
  const n = parseNameText(name).labels;
  const z = parseNameText(zone).labels;
  if (z.length > n.length) return false;
  for (let i = 1; i <= z.length; i++) {
    const a = n[n.length - i];
    const b = z[z.length - i];
    if (a === undefined || b === undefined || !lowerLabel(a).equals(lowerLabel(b))) return false;
  }
  return true;
}

/**
 * {@link isSubdomainOf} for two names already in canonical form (as {@link normalizeName} or `parseZoneText` give
 * them: absolute, lower-case, canonical escapes), by string comparison only. For names in any other form the
 * result is unspecified: use {@link isSubdomainOf}.
 */
export function isCanonicalSubdomainOf(name: string, zone: string): boolean {
  if (zone === ".") return true;
  if (name.length <= zone.length) return name === zone;
  if (!name.endsWith(zone)) return false;
  // The zone must start at a label boundary: an unescaped dot (preceded by an even number of backslashes).
  let at = name.length - zone.length - 1;
  if (name.charCodeAt(at) !== 0x2e) return false;
  let backslashes = 0;
  while (at > 0 && name.charCodeAt(--at) === 0x5c) backslashes++;
  return backslashes % 2 === 0;
}

/**
 * Compares two lists of labels in canonical order (labels compared right to left as case-folded octet strings;
 * a name sorts before its subdomains). Returns -1, 0 or 1. Pass `lowered` when the labels are already lower-case.
 */
export function compareLabels(a: readonly Buffer[], b: readonly Buffer[], lowered = false): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 1; i <= n; i++) {
    const la = a[a.length - i];
    const lb = b[b.length - i];
    if (la === undefined || lb === undefined) break; // i <= both lengths: not reached
    const c = lowered ? Buffer.compare(la, lb) : Buffer.compare(lowerLabel(la), lowerLabel(lb));
    if (c !== 0) return c < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Compares two names in RFC 4034 §6.1 canonical order. Returns -1, 0 or 1. */
export function compareCanonical(a: string, b: string): -1 | 0 | 1 {
  return compareLabels(parseNameText(a).labels, parseNameText(b).labels);
}
