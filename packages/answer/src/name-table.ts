// NSD-style numbered names: each name is one label plus its parent's number, found through an open-addressing hash.

import { copyBytes, labelHash, sameBytes } from "./wire-name";
import type { WireName } from "./wire-name";

/** Name flags (one octet per name). */
export const NameFlag = {
  /** The name exists only because names below it exist (RFC 4592 §2.2.2). */
  EmptyNonTerminal: 1,
  /** An NS RRset below the apex: a zone cut (RFC 1034 §4.2.1). */
  Delegation: 2,
  /** The name owns a DNAME RRset (RFC 6672 §2.3). */
  Dname: 4,
  /** The name has a "*" child: a source of wildcard synthesis (RFC 4592 §2.1.1). */
  WildcardParent: 8,
  /** An NSEC3 owner: kept out of the zone's name space (RFC 5155 §7.2.8). */
  Nsec3: 16,
  /** No longer in the zone: an overlay of changes (zone-overlay.ts) removed its data and everything below it. */
  Removed: 32,
} as const;

/** Flags that hide a name from {@link NameTable.find} (with the name space bit). */
const HIDING = NameFlag.Nsec3 | NameFlag.Removed;

/** The arrays of a {@link NameTable}. */
export interface NameTableParts {
  count: number;
  parent: Int32Array;
  labelOff: Uint32Array;
  flags: Uint8Array;
  labels: Buffer;
  labelsUsed: number;
  slots: Int32Array;
}

/**
 * The names of one zone. Name 0 is the apex (label-less here: its wire form is the zone origin); every other name is
 * `labels[labelOff[i]]` (a length octet and the label, lower case) below `parent[i]`. `find` looks a child up by
 * (parent, label, name space) in O(1) with no allocation.
 */
export class NameTable {
  count = 1;
  parent: Int32Array;
  labelOff: Uint32Array;
  flags: Uint8Array;
  labels: Buffer;
  private labelsUsed = 0;
  private slots: Int32Array;

  constructor(capacity = 16) {
    this.parent = new Int32Array(capacity).fill(-1, 0, 1);
    this.labelOff = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.labels = Buffer.allocUnsafe(capacity * 8);
    this.slots = new Int32Array(capacity * 2);
  }

  /**
   * The child of `parent` whose label starts (length octet) at `buf[off]` in name space `nsec3` (0 or 1); -1 if none
   * (or removed). Names numbered past `count` (the slots may be shared with a later version of the table) are skipped.
   */
  find(parent: number, nsec3: number, buf: Buffer, off: number): number {
    const mask = this.slots.length - 1;
    const len = buf[off] ?? 0;
    for (let i = labelHash(parent * 2 + nsec3, buf, off) & mask; ; i = (i + 1) & mask) {
      const id = (this.slots[i] ?? 0) - 1;
      if (id < 0) return -1;
      if (this.parent[id] !== parent || ((this.flags[id] ?? 0) & HIDING) !== nsec3 * NameFlag.Nsec3) continue;
      const at = this.labelOff[id] ?? 0;
      if (this.labels[at] === len && sameBytes(this.labels, at + 1, buf, off + 1, len)) return id;
    }
  }

  /** As {@link find}, removed names included. */
  findAny(parent: number, nsec3: number, buf: Buffer, off: number): number {
    const mask = this.slots.length - 1;
    const len = buf[off] ?? 0;
    for (let i = labelHash(parent * 2 + nsec3, buf, off) & mask; ; i = (i + 1) & mask) {
      const id = (this.slots[i] ?? 0) - 1;
      if (id < 0) return -1;
      if (this.parent[id] !== parent || ((this.flags[id] ?? 0) & NameFlag.Nsec3) !== nsec3 * NameFlag.Nsec3) continue;
      const at = this.labelOff[id] ?? 0;
      if (this.labels[at] === len && sameBytes(this.labels, at + 1, buf, off + 1, len)) return id;
    }
  }

  /** The child as {@link findAny}, created (flagged empty non-terminal until data is filed) when missing. */
  intern(parent: number, nsec3: number, buf: Buffer, off: number): number {
    const found = this.findAny(parent, nsec3, buf, off);
    if (found >= 0) return found;
    if (this.count === this.parent.length) this.grow();
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const len = (buf[off] ?? 0) + 1;
    if (this.labelsUsed + len > this.labels.length) {
      const bigger = Buffer.allocUnsafe(this.labels.length * 2 + len);
      this.labels.copy(bigger, 0, 0, this.labelsUsed);
      this.labels = bigger;
    }
    buf.copy(this.labels, this.labelsUsed, off, off + len);
    const id = this.count++;
    this.parent[id] = parent;
    this.labelOff[id] = this.labelsUsed;
    this.flags[id] = NameFlag.EmptyNonTerminal | (nsec3 === 1 ? NameFlag.Nsec3 : 0);
    this.labelsUsed += len;
    this.place(id);
    return id;
  }

  /** The number of `name` (at or below the apex, which has `apexLabels` labels) in the zone's name space; -1 if none. */
  findName(name: WireName, apexLabels: number): number {
    let id = 0;
    for (let i = name.labels - apexLabels - 1; i >= 0 && id >= 0; i--) id = this.find(id, 0, name.buf, name.offs[i] ?? 0);
    return id;
  }

  /** Number of labels of name `id` below the apex. */
  depth(id: number): number {
    let d = 0;
    for (let n = id; n > 0; n = (this.parent[n] ?? 0)) d++;
    return d;
  }

  /** Writes the lower-case wire form of name `id` into `out` (the apex written as `origin`); returns the length. */
  toWire(id: number, origin: Buffer, out: Buffer): number {
    let pos = 0;
    for (let n = id; n > 0; n = (this.parent[n] ?? 0)) {
      const at = this.labelOff[n] ?? 0;
      const len = (this.labels[at] ?? 0) + 1;
      copyBytes(this.labels, at, out, pos, len);
      pos += len;
    }
    copyBytes(origin, 0, out, pos, origin.length);
    return pos + origin.length;
  }

  /** Loads name `id` into a {@link WireName}. */
  load(id: number, origin: Buffer, into: WireName): void {
    into.len = this.toWire(id, origin, into.buf);
    into.reindex();
  }

  /**
   * Every name in canonical order (RFC 4034 §6.1): a depth-first walk from the apex with siblings sorted by their
   * label octets, since names sort label by label from the right and a name before the names below it.
   */
  canonicalOrder(): Int32Array {
    const start = new Int32Array(this.count + 1);
    for (let id = 1; id < this.count; id++) {
      const slot = (this.parent[id] ?? 0) + 1;
      start[slot] = (start[slot] ?? 0) + 1;
    }
    for (let i = 0; i < this.count; i++) start[i + 1] = (start[i + 1] ?? 0) + (start[i] ?? 0);
    const children = new Int32Array(Math.max(0, this.count - 1));
    const fill = start.slice(0, this.count);
    for (let id = 1; id < this.count; id++) {
      const p = this.parent[id] ?? 0;
      const at = fill[p] ?? 0;
      fill[p] = at + 1;
      children[at] = id;
    }
    const labels = this.labels;
    // Label octets compared in JS: labels are short, and a native Buffer.compare call per comparison costs more.
    const compare = (a: number, b: number): number => {
      const x = this.labelOff[a] ?? 0;
      const y = this.labelOff[b] ?? 0;
      const lx = labels[x] ?? 0;
      const ly = labels[y] ?? 0;
      const n = lx < ly ? lx : ly;
      for (let i = 1; i <= n; i++) {
        const d = (labels[x + i] ?? 0) - (labels[y + i] ?? 0);
        if (d !== 0) return d;
      }
      return lx - ly;
    };
    for (let p = 0; p < this.count; p++) {
      if ((start[p + 1] ?? 0) - (start[p] ?? 0) > 1) children.subarray(start[p], start[p + 1]).sort(compare);
    }
    const order = new Int32Array(this.count);
    const stack = new Int32Array(this.count);
    let top = 0;
    let n = 0;
    stack[top++] = 0;
    while (top > 0) {
      const id = stack[--top] ?? 0;
      order[n++] = id;
      for (let c = (start[id + 1] ?? 0) - 1; c >= (start[id] ?? 0); c--) stack[top++] = children[c] ?? 0;
    }
    return order;
  }

  /** The table's arrays as they are (for moving a compiled zone between threads: {@link NameTable.fromParts}). */
  toParts(): NameTableParts {
    return { count: this.count, parent: this.parent, labelOff: this.labelOff, flags: this.flags, labels: this.labels, labelsUsed: this.labelsUsed, slots: this.slots };
  }

  /** A table over arrays made by {@link toParts} (not copied; the caller gives them up). Throws when they do not fit. */
  static fromParts(p: NameTableParts): NameTable {
    const t = new NameTable(1);
    const slotsOk = p.slots.length >= 2 && (p.slots.length & (p.slots.length - 1)) === 0 && p.slots.length >= p.count;
    if (p.count < 1 || p.parent.length < p.count || p.labelOff.length < p.count || p.flags.length < p.count || !slotsOk || p.labelsUsed > p.labels.length) {
      throw new RangeError("name table parts do not fit together");
    }
    t.count = p.count;
    t.parent = p.parent;
    t.labelOff = p.labelOff;
    t.flags = p.flags;
    t.labels = p.labels;
    t.labelsUsed = p.labelsUsed;
    t.slots = p.slots;
    return t;
  }

  /**
   * Makes room for `extra` more names (and `labelBytes` more label octets) in new arrays, so a table taken over by
   * {@link fromParts} stops sharing anything with the arrays it was made of. The hash grows later if need be.
   */
  reserve(extra: number, labelBytes: number): void {
    const size = this.count + extra;
    const parent = new Int32Array(size);
    parent.set(this.parent.subarray(0, this.count));
    this.parent = parent;
    const labelOff = new Uint32Array(size);
    labelOff.set(this.labelOff.subarray(0, this.count));
    this.labelOff = labelOff;
    const flags = new Uint8Array(size);
    flags.set(this.flags.subarray(0, this.count));
    this.flags = flags;
    const labels = Buffer.allocUnsafe(this.labelsUsed + labelBytes);
    this.labels.copy(labels, 0, 0, this.labelsUsed);
    this.labels = labels;
    // The hash is copied as it is while it has room for a first few names (rehashing a large table takes long).
    let slots = this.slots.length;
    while (slots < (this.count + Math.min(extra, 1024)) * 2) slots *= 2;
    if (slots === this.slots.length) this.slots = this.slots.slice();
    else this.rehash(slots);
  }

  /** Trims the arrays to the names present (after compilation). */
  trim(): void {
    this.parent = this.parent.slice(0, this.count);
    this.labelOff = this.labelOff.slice(0, this.count);
    this.flags = this.flags.slice(0, this.count);
    this.labels = Buffer.from(this.labels.subarray(0, this.labelsUsed));
    let size = 16;
    while (size < this.count * 2) size *= 2;
    if (size !== this.slots.length) this.rehash(size);
  }

  private grow(): void {
    const size = this.parent.length * 2;
    const parent = new Int32Array(size);
    parent.set(this.parent);
    this.parent = parent;
    const labelOff = new Uint32Array(size);
    labelOff.set(this.labelOff);
    this.labelOff = labelOff;
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.flags = flags;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let id = 1; id < this.count; id++) this.place(id);
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    const nsec3 = ((this.flags[id] ?? 0) & NameFlag.Nsec3) !== 0 ? 1 : 0;
    let i = labelHash((this.parent[id] ?? 0) * 2 + nsec3, this.labels, this.labelOff[id] ?? 0) & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = id + 1;
  }
}
