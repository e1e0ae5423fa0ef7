// Lower-case wire names in reusable buffers (label offsets, hashing, canonical order): no objects per query.

import type { DnsName } from "@pdns-distribute/dns";
import { present } from "./errors";

/** Maximum length of a name in wire form (RFC 1035 §2.3.4). */
const MAX_WIRE = 255;
/** At most 127 labels fit in 255 octets. */
const MAX_LABELS = 128;

/**
 * A domain name in uncompressed wire form, ASCII lower-cased (RFC 4343 §3), in a buffer owned by this object and
 * reused from query to query. `offs[i]` is the offset of label `i` (leftmost first); `labels` excludes the root.
 */
export class WireName {
  readonly buf = Buffer.alloc(MAX_WIRE + 1);
  readonly offs = new Int32Array(MAX_LABELS);
  /** Wire length, root octet included. */
  len = 1;
  labels = 0;

  /** Makes this the root name. */
  clear(): void {
    this.buf[0] = 0;
    this.len = 1;
    this.labels = 0;
  }

  /**
   * Copies an uncompressed name from `src` at `start`, lower-casing it. Returns the offset after the name, or -1
   * when it is malformed (pointer, bad label length, longer than 255 octets, runs past `end`).
   */
  read(src: Buffer, start: number, end = src.length): number {
    let pos = start;
    let n = 0;
    for (;;) {
      if (pos >= end) return -1;
      const len = src[pos] ?? 0;
      if (len === 0) break;
      if (len > 63 || pos + 1 + len > end || pos + 1 + len - start >= MAX_WIRE) return -1;
      this.offs[n++] = pos - start;
      this.buf[pos - start] = len;
      for (let i = pos + 1; i <= pos + len; i++) {
        const b = src[i] ?? 0;
        this.buf[i - start] = b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
      }
      pos += 1 + len;
    }
    this.buf[pos - start] = 0;
    this.len = pos + 1 - start;
    this.labels = n;
    return pos + 1;
  }

  /** Copies another wire name. */
  copy(other: WireName): void {
    copyBytes(other.buf, 0, this.buf, 0, other.len);
    for (let i = 0; i < other.labels; i++) this.offs[i] = other.offs[i] ?? 0;
    this.len = other.len;
    this.labels = other.labels;
  }

  /** Loads a {@link DnsName} (already lower-case). */
  fromDnsName(name: DnsName): void {
    let pos = 0;
    for (let i = 0; i < name.labels.length; i++) {
      const label = present(name.labels[i], "label");
      this.offs[i] = pos;
      this.buf[pos] = label.length;
      label.copy(this.buf, pos + 1);
      pos += 1 + label.length;
    }
    this.buf[pos] = 0;
    this.len = pos + 1;
    this.labels = name.labels.length;
  }

  /**
   * Sets this name to `prefixLabels` labels of `prefix` followed by `suffix` (DNAME substitution, RFC 6672 §2.2;
   * "*" + encloser). Returns false, leaving the name unusable, when the result is longer than 255 octets.
   */
  concat(prefix: WireName, prefixLabels: number, suffix: Buffer, suffixStart: number, suffixLen: number): boolean {
    const head = prefixLabels === prefix.labels ? prefix.len - 1 : (prefix.offs[prefixLabels] ?? 0);
    if (head + suffixLen > MAX_WIRE) return false;
    if (prefix !== this) prefix.buf.copy(this.buf, 0, 0, head);
    suffix.copy(this.buf, head, suffixStart, suffixStart + suffixLen);
    this.len = head + suffixLen;
    this.reindex();
    return true;
  }

  /** Sets this name to "*" followed by the wire name `suffix` (RFC 4592 §2.1.1 source of synthesis). */
  wildcardOf(suffix: Buffer, start: number, len: number): void {
    this.buf[0] = 1;
    this.buf[1] = 0x2a;
    suffix.copy(this.buf, 2, start, start + len);
    this.len = len + 2;
    this.reindex();
  }

  /** Recomputes `offs` and `labels` from the bytes (already validated). */
  reindex(): void {
    let pos = 0;
    let n = 0;
    while ((this.buf[pos] ?? 0) !== 0) {
      this.offs[n++] = pos;
      pos += 1 + (this.buf[pos] ?? 0);
    }
    this.labels = n;
  }

  /** Offset where the suffix holding the last `n` labels starts. */
  suffixStart(n: number): number {
    return n >= this.labels ? 0 : n <= 0 ? this.len - 1 : (this.offs[this.labels - n] ?? 0);
  }

  /** True when this name equals `other` (both lower-case). */
  equals(other: WireName): boolean {
    return this.len === other.len && sameBytes(this.buf, 0, other.buf, 0, this.len);
  }

  /** True when this name equals the lower-case wire name `wire` or lies below it. */
  isAtOrBelow(wire: Buffer): boolean {
    const start = this.len - wire.length;
    if (start < 0) return false;
    if (start > 0 && !this.isLabelStart(start)) return false;
    return sameBytes(this.buf, start, wire, 0, wire.length);
  }

  private isLabelStart(at: number): boolean {
    for (let i = 0; i < this.labels; i++) if (this.offs[i] === at) return true;
    return false;
  }
}

/** Copies `len` octets; a plain loop for short runs (Buffer#copy costs more than it saves below ~64 octets). */
export function copyBytes(src: Buffer, from: number, dst: Buffer, to: number, len: number): void {
  if (len > 64) {
    src.copy(dst, to, from, from + len);
    return;
  }
  for (let i = 0; i < len; i++) dst[to + i] = src[from + i] ?? 0;
}

/** True when `a[ao .. ao + len)` equals `b[bo .. bo + len)`. */
export function sameBytes(a: Buffer, ao: number, b: Buffer, bo: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

/** Hash of one lower-case label (length octet at `off`) under a parent number (FNV-1a, 32 bits). */
export function labelHash(parent: number, buf: Buffer, off: number): number {
  let h = Math.imul(parent + 0x3c6ef372, 0x9e3779b1) ^ 0x811c9dc5;
  const end = off + (buf[off] ?? 0);
  for (let i = off; i <= end; i++) h = Math.imul(h ^ (buf[i] ?? 0), 16777619);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Compares two lower-case wire names in canonical DNS order (RFC 4034 §6.1): labels right to left, each compared
 * octet-wise, a shorter label sorting first; a name sorts before the names below it. Returns <0, 0, >0.
 */
export function compareWire(a: WireName, b: WireName): number {
  const n = Math.min(a.labels, b.labels);
  for (let i = 1; i <= n; i++) {
    const ao = a.offs[a.labels - i] ?? 0;
    const bo = b.offs[b.labels - i] ?? 0;
    const c = a.buf.compare(b.buf, bo + 1, bo + 1 + (b.buf[bo] ?? 0), ao + 1, ao + 1 + (a.buf[ao] ?? 0));
    if (c !== 0) return c;
  }
  return a.labels - b.labels;
}

/** Lower-cases a wire name held in `buf` in place (names compiled from zone text may carry upper case). */
export function lowerInPlace(buf: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const b = buf[i] ?? 0;
    if (b >= 0x41 && b <= 0x5a) buf[i] = b + 0x20;
  }
}
