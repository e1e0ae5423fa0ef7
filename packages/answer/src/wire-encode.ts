// Response encoder: header, question copy, names compressed by name number (NSD style), rollback truncation, OPT.

import type { Section } from "./sections";
import type { CompiledZone } from "./types";
import { copyBytes, sameBytes } from "./wire-name";
import type { WireName } from "./wire-name";
import { HEADER_SIZE } from "./wire-query";
import { typeOf } from "./zone-view";
import { present } from "./errors";
import { COMPRESSIBLE_NAMES } from "./rdata-fields";
import { CLASS_IN, EDE_OPTION_CODE, RRType } from "./constants";

/** Size of an OPT record without options: root name, type, class, TTL, RDLENGTH (RFC 6891 §6.1.2). */
export const OPT_SIZE = 11;
/** Largest DNS message (TCP length prefix, RFC 1035 §4.2.2). */
const MAX_MESSAGE = 65535;
/** Compression pointers hold 14-bit offsets (RFC 1035 §4.1.4). */
const MAX_POINTER = 0x3fff;

/** Most literal labels remembered per message as pointer targets for RDATA names (bounds the search). */
const MAX_CANDIDATES = 64;

/** Writes a 16-bit big-endian value into the message at `at` (no bounds checks: `out` holds any message). */
function put16(at: number, value: number): void {
  out[at] = (value >>> 8) & 0xff;
  out[at + 1] = value & 0xff;
}

/** Section indexes, in message order. */
export const SectionIndex = { Answer: 0, Authority: 1, Additional: 2 } as const;

/** The message being written (encoding is synchronous); `finish` copies it out. */
const out = Buffer.allocUnsafe(MAX_MESSAGE);
const OUT_VIEW: DataView = new DataView(out.buffer, out.byteOffset, out.byteLength);
/** The last target of {@link MessageWriter.copyTo} and a DataView of it (the batch socket's output is always the same). */
let lastTarget: Buffer | null = null;
let lastTargetView: DataView = OUT_VIEW;

function dataViewOf(target: Buffer): DataView {
  if (target !== lastTarget) {
    lastTarget = target;
    lastTargetView = new DataView(target.buffer, target.byteOffset, target.byteLength);
  }
  return lastTargetView;
}

/**
 * Writes one message. Owner names are compressed through a table indexed by name number (NSD's per-query table:
 * the offset where each name of the zone was written, reset after the message) plus the question name. RDATA is
 * copied as precompiled wire bytes, except the names inside the RDATA of the RFC 1035 types (RFC 3597 §4,
 * {@link COMPRESSIBLE_NAMES}): those compress against the zone's names and the names already written, like owners.
 * An RRset that does not fit is rolled back whole, so truncation always ends at the last whole RRset. One writer is
 * reused for every message.
 */
export class MessageWriter {
  private pos = HEADER_SIZE;
  private limit = 0;
  /** Where the last OPT record starts (options appended to it update its RDLENGTH). */
  private optAt = 0;
  private readonly counts = [0, 0, 0];
  private zone: CompiledZone | null = null;
  private qname: WireName | null = null;
  /** Offset of each name number written so far (0: not written); `touched` lists the numbers to reset. */
  private comp = new Int32Array(1024);
  private readonly touched: number[] = [];
  private nTouched = 0;
  /** Offsets where chain names (synthesised owners) were written, by chain index (0: not written). */
  private readonly chainAt = new Int32Array(16);
  /** Arena offsets of the records of the RRset being written. */
  private recs = new Int32Array(64);
  /** Offsets of labels written literally that are not zone names (pointer targets for later RDATA names). */
  private readonly cand = new Int32Array(MAX_CANDIDATES);
  private nCand = 0;
  /** Label offsets of the RDATA name being written. */
  private readonly lab = new Int32Array(128);
  /** The message holds an RRset of more than one record (round robin then changes it from one reply to the next). */
  multiRecord = false;

  /** Starts a message whose records may use `limit` octets (room for OPT already taken off), for `zone`. */
  begin(limit: number, zone: CompiledZone | null): void {
    // Only what the last message set is cleared (TypedArray#fill is a call into the runtime, per message).
    for (let i = 0; i < this.nTouched; i++) {
      const t = this.touched[i] ?? 0;
      if (t >= 0) this.comp[t] = 0;
      else this.chainAt[-1 - t] = 0;
    }
    this.nTouched = 0;
    this.nCand = 0;
    this.multiRecord = false;
    this.chainAt[0] = 0;
    this.pos = HEADER_SIZE;
    this.limit = Math.min(limit, MAX_MESSAGE);
    this.counts[0] = this.counts[1] = this.counts[2] = 0;
    this.zone = zone;
    this.qname = null;
    if (zone !== null && this.comp.length < zone.names.count) this.comp = new Int32Array(zone.names.count);
  }

  /**
   * Copies the question `msg[12 .. end)` as received (QNAME case kept); the zone names along it become pointers.
   * `path`/`stop`: the names the lookup already found along it (`Answer.qpath`), or null to look them up here.
   */
  writeQuestion(msg: Buffer, end: number, qname: WireName, path: Int32Array | null = null, stop = 0): void {
    copyBytes(msg, HEADER_SIZE, out, this.pos, end - HEADER_SIZE);
    this.qname = qname;
    this.chainAt[0] = this.pos;
    const zone = this.zone;
    if (zone !== null && qname.isAtOrBelow(zone.originWire)) {
      // The labels above the apex (e.g. "com" of example.com) may end out-of-zone RDATA names.
      for (let j = qname.labels - zone.originLabels + 1; j < qname.labels; j++) this.addCandidate(this.pos + (qname.offs[j] ?? 0));
      let id = 0;
      let i = qname.labels - zone.originLabels - 1;
      this.mark(0, this.pos + qname.suffixStart(zone.originLabels));
      if (path !== null) {
        for (; i >= stop; i--) this.mark((id = (path[i] ?? 0)), this.pos + (qname.offs[i] ?? 0));
      }
      // Past the lookup's stop (a zone cut, a DNAME) names may still exist: they compress too.
      for (; i >= 0; i--) {
        id = zone.names.find(id, 0, qname.buf, qname.offs[i] ?? 0);
        if (id < 0) break;
        this.mark(id, this.pos + (qname.offs[i] ?? 0));
      }
    }
    this.pos += end - HEADER_SIZE;
  }

  /**
   * Appends entry `i` of `section` and the entries joined to it as one RRset in section `index`, starting at record
   * `rotate` (round robin); `chain` resolves synthesised owners. Returns the next entry, or -1 (nothing written) when
   * the RRset does not fit.
   */
  writeEntry(index: number, section: Section, i: number, chain: readonly WireName[], rotate: number): number {
    const zone = present(this.zone, "zone");
    const rr = section.rr[i] ?? 0;
    let n = 0;
    let j = i;
    do {
      const r = section.rr[j] ?? 0;
      if (r >= 0) n = this.collect(zone, r, n);
      j++;
    } while (j < section.n && section.join[j] === 1);
    const type = rr < 0 ? RRType.CNAME : typeOf(zone, rr);
    const ok =
      rr < 0
        ? this.writeSynthetic(section.owner[i] ?? 0, section.ttl[i] ?? 0, chain, present(chain[section.aux[i] ?? 0], "chain name"))
        : this.writeRecords(type, section.owner[i] ?? 0, section.ttl[i] ?? 0, chain, zone.arena, n, rotate % n);
    if (!ok) return -1;
    if (n > 1) this.multiRecord = true;
    this.counts[index] = (this.counts[index] ?? 0) + (rr < 0 ? 1 : n);
    return j;
  }

  /** Appends RRset `r` of name `owner` to the answer section (zone transfers); false (nothing written) if too big. */
  writeRRset(r: number, owner: number): boolean {
    const zone = present(this.zone, "zone");
    const n = this.collect(zone, r, 0);
    if (!this.writeRecords(typeOf(zone, r), owner, zone.rrTtl[r] ?? 0, [], zone.arena, n, 0)) return false;
    this.counts[0] = (this.counts[0] ?? 0) + n;
    return true;
  }

  /** Appends record `k` of RRset `r` of name `owner` alone (a transfer splitting an RRset larger than a message). */
  writeOneRecord(r: number, owner: number, k: number): boolean {
    const zone = present(this.zone, "zone");
    this.collect(zone, r, 0);
    this.recs[0] = this.recs[k] ?? 0;
    if (!this.writeRecords(typeOf(zone, r), owner, zone.rrTtl[r] ?? 0, [], zone.arena, 1, 0)) return false;
    this.counts[0] = (this.counts[0] ?? 0) + 1;
    return true;
  }

  /**
   * Appends the OPT record (RFC 6891 §6.1.2): our UDP payload size in CLASS, extended rcode bits, version 0
   * and the DO bit copied from the query (RFC 3225 §3). Its space is reserved by the caller (limit passed without it).
   */
  writeOpt(udpSize: number, extendedRcode: number, dnssecOk: boolean): void {
    const at = this.pos;
    this.optAt = at;
    out[at] = 0;
    put16(at + 1, RRType.OPT);
    put16(at + 3, udpSize);
    out.writeUInt32BE((((extendedRcode & 0xff) << 24) | (dnssecOk ? 0x8000 : 0)) >>> 0, at + 5);
    put16(at + 9, 0);
    this.pos += OPT_SIZE;
    this.counts[SectionIndex.Additional] = (this.counts[SectionIndex.Additional] ?? 0) + 1;
  }

  /**
   * Adds an Extended DNS Error option (RFC 8914 §2: OPTION-CODE 15, INFO-CODE, no EXTRA-TEXT) to the OPT record
   * written last. Only error replies call it, so the OPT of answers stays as {@link writeOpt} wrote it.
   */
  appendEdeToOpt(infoCode: number): void {
    put16(this.pos + 4, infoCode);
    this.appendOptOption(EDE_OPTION_CODE, out, this.pos + 4, 2);
  }

  /**
   * Appends an option (`length` octets of `data` from `start`) to the OPT record written last and updates its
   * RDLENGTH (RFC 6891 §6.1.2). The caller reserved the room (NSID, COOKIE: edns-reply.ts).
   */
  appendOptOption(code: number, data: Buffer, start: number, length: number): void {
    const at = this.pos;
    if (data !== out || start !== at + 4) copyBytes(data, start, out, at + 4, length);
    put16(at, code);
    put16(at + 2, length);
    this.pos = at + 4 + length;
    put16(this.optAt + 9, this.pos - this.optAt - OPT_SIZE);
  }

  /** Appends one whole record already in wire form to the additional section (a TSIG error record). */
  writeAdditionalRecord(record: Buffer): void {
    copyBytes(record, 0, out, this.pos, record.length);
    this.pos += record.length;
    this.counts[SectionIndex.Additional] = (this.counts[SectionIndex.Additional] ?? 0) + 1;
  }

  /** Writes the header (QDCOUNT = `qdcount`) and returns a copy of the finished message. */
  finish(id: number, flags: number, qdcount: number): Buffer {
    const length = this.seal(id, flags, qdcount);
    const message = Buffer.allocUnsafe(length);
    copyBytes(out, 0, message, 0, length);
    return message;
  }

  /** Writes the header (QDCOUNT = `qdcount`); returns the message's length. {@link copyTo} then copies it out. */
  seal(id: number, flags: number, qdcount: number): number {
    put16(0, id);
    put16(2, flags);
    put16(4, qdcount);
    put16(6, this.counts[0] ?? 0);
    put16(8, this.counts[1] ?? 0);
    put16(10, this.counts[2] ?? 0);
    return this.pos;
  }

  /**
   * Copies the sealed message (`length` octets from {@link seal}) into `target` at `at`, four octets at a time
   * through DataViews: Buffer#copy of part of a buffer makes a Uint8Array view per call (an allocation per query).
   */
  copyTo(target: Buffer, at: number, length: number): void {
    const to = dataViewOf(target);
    let i = 0;
    for (; i + 4 <= length; i += 4) to.setUint32(at + i, OUT_VIEW.getUint32(i));
    for (; i < length; i++) target[at + i] = out[i] ?? 0;
  }

  /** Appends the arena offsets of RRset `r`'s records to `recs` from index `n`; returns the new count. */
  private collect(zone: CompiledZone, r: number, n: number): number {
    const count = zone.rrCount[r] ?? 0;
    if (n + count > this.recs.length) {
      const bigger = new Int32Array(Math.max(this.recs.length * 2, n + count));
      bigger.set(this.recs.subarray(0, n));
      this.recs = bigger;
    }
    const arena = zone.arena;
    let at = zone.rrData[r] ?? 0;
    for (let k = 0; k < count; k++) {
      this.recs[n++] = at;
      at += (arena[at] ?? 0) * 256 + (arena[at + 1] ?? 0) + 2;
    }
    return n;
  }

  /** Writes `n` records `[RDLENGTH][RDATA]` from `data` at `recs`, starting at `start`; rolls back if one does not fit. */
  private writeRecords(
    type: number,
    owner: number,
    ttl: number,
    chain: readonly WireName[],
    data: Buffer,
    n: number,
    start: number,
  ): boolean {
    const mark = this.pos;
    const touchedMark = this.nTouched;
    const candMark = this.nCand;
    const layout = type < 256 ? (COMPRESSIBLE_NAMES[type] ?? 0) : 0;
    for (let j = 0; j < n; j++) {
      const at = this.recs[(j + start) % n] ?? 0;
      const size = (data[at] ?? 0) * 256 + (data[at + 1] ?? 0) + 2;
      if (!this.writeOwner(owner, chain)) return this.rollback(mark, touchedMark, candMark);
      if (layout !== 0) {
        const ok = this.writeCompressed(type, ttl, data, at, layout);
        if (ok === 1) continue;
        if (ok === 0) return this.rollback(mark, touchedMark, candMark);
      }
      if (this.pos + 8 + size > this.limit) return this.rollback(mark, touchedMark, candMark);
      const p = this.pos;
      out[p] = type >>> 8;
      out[p + 1] = type & 0xff;
      out[p + 2] = 0;
      out[p + 3] = CLASS_IN;
      out[p + 4] = ttl >>> 24;
      out[p + 5] = (ttl >>> 16) & 0xff;
      out[p + 6] = (ttl >>> 8) & 0xff;
      out[p + 7] = ttl & 0xff;
      copyBytes(data, at, out, p + 8, size);
      this.pos = p + 8 + size;
    }
    return true;
  }

  /**
   * Writes one record of a type in {@link COMPRESSIBLE_NAMES} (`layout`) from `[RDLENGTH][RDATA]` at `data[at]`, its
   * RDATA names compressed. Returns 1 when written, 0 when it does not fit, -1 (nothing written) when the RDATA does
   * not hold the names its type promises, so the caller copies it as it is.
   */
  private writeCompressed(type: number, ttl: number, data: Buffer, at: number, layout: number): number {
    const p = this.pos;
    const end = at + 2 + (data[at] ?? 0) * 256 + (data[at + 1] ?? 0);
    const fixed = layout >>> 2;
    if (p + 10 + fixed > this.limit) return 0;
    put16(p, type);
    put16(p + 2, CLASS_IN);
    out.writeUInt32BE(ttl >>> 0, p + 4);
    copyBytes(data, at + 2, out, p + 10, fixed);
    this.pos = p + 10 + fixed;
    let src = at + 2 + fixed;
    for (let k = layout & 3; k > 0; k--) {
      const next = this.writeRdataName(data, src, end);
      if (next <= 0) {
        this.pos = p;
        return next;
      }
      src = next;
    }
    if (this.pos + end - src > this.limit) return 0;
    copyBytes(data, src, out, this.pos, end - src);
    this.pos += end - src;
    put16(p + 8, this.pos - p - 10);
    return 1;
  }

  /**
   * Writes the uncompressed name at `data[src]` (ending by `end`) compressed: the longest suffix already in the
   * message becomes a pointer (RFC 1035 §4.1.4), found among the zone's names (by number, as for owners) and the
   * labels written so far. Returns the offset after the source name, 0 when it does not fit, -1 when malformed.
   */
  private writeRdataName(data: Buffer, src: number, end: number): number {
    const zone = present(this.zone, "zone");
    const lab = this.lab;
    let n = 0;
    let pos = src;
    for (let len = data[pos] ?? 0; len !== 0; len = data[pos] ?? 0) {
      if (len > 63 || n === lab.length || pos + 1 + len >= end) return -1;
      lab[n++] = pos;
      pos += 1 + len;
    }
    if (pos >= end) return -1;
    const next = pos + 1;
    // The deepest zone name it ends in: labels k.. are that name (RFC 1034 §4.3.2 style descent from the apex).
    let k = n;
    let id = -1;
    const ol = zone.originLabels;
    const tail = ol === 0 ? pos : (lab[n - ol] ?? 0);
    if (n >= ol && next - tail === zone.originWire.length && sameBytes(data, tail, zone.originWire, 0, next - tail)) {
      id = 0;
      for (k = n - ol; k > 0; k--) {
        const child = zone.names.find(id, 0, data, lab[k - 1] ?? 0);
        if (child < 0) break;
        id = child;
      }
    }
    // A longer suffix among the labels written literally wins over the zone name.
    let i = 0;
    let target = 0;
    for (; i < k && target === 0; i++) target = this.findCandidate(data, lab[i] ?? 0);
    const literal = target !== 0 ? i - 1 : k;
    for (let j = 0; j < literal; j++) {
      const from = lab[j] ?? 0;
      const len = (data[from] ?? 0) + 1;
      if (this.pos + len > this.limit) return 0;
      this.addCandidate(this.pos);
      copyBytes(data, from, out, this.pos, len);
      this.pos += len;
    }
    if (target !== 0) return this.writePointer(target) ? next : 0;
    if (id >= 0) return this.writeNode(id) ? next : 0;
    if (this.pos + 1 > this.limit) return 0;
    out[this.pos++] = 0;
    return next;
  }

  /** Offset of a candidate label whose name equals the name at `data[from]` octet for octet; 0 if none. */
  private findCandidate(data: Buffer, from: number): number {
    const first = data[from] ?? 0;
    for (let c = 0; c < this.nCand; c++) {
      const at = this.cand[c] ?? 0;
      if (out[at] === first && nameEqualsAt(at, data, from)) return at;
    }
    return 0;
  }

  private addCandidate(at: number): void {
    if (this.nCand < MAX_CANDIDATES && at <= MAX_POINTER) this.cand[this.nCand++] = at;
  }

  /** A CNAME synthesised from a DNAME (RFC 6672 §3.2): RDATA is the uncompressed chain name `target`. */
  private writeSynthetic(owner: number, ttl: number, chain: readonly WireName[], target: WireName): boolean {
    const mark = this.pos;
    const touchedMark = this.nTouched;
    if (!this.writeOwner(owner, chain) || this.pos + 10 + target.len > this.limit) return this.rollback(mark, touchedMark, this.nCand);
    put16(this.pos, RRType.CNAME);
    put16(this.pos + 2, CLASS_IN);
    out.writeUInt32BE(ttl >>> 0, this.pos + 4);
    put16(this.pos + 8, target.len);
    copyBytes(target.buf, 0, out, this.pos + 10, target.len);
    this.pos += 10 + target.len;
    return true;
  }

  /** Writes an owner: a zone name (≥ 0) or chain name `-owner - 1`. */
  private writeOwner(owner: number, chain: readonly WireName[]): boolean {
    if (owner >= 0) return this.writeNode(owner);
    const k = -owner - 1;
    const at = this.chainAt[k] ?? 0;
    if (at !== 0) return this.writePointer(at);
    const name = present(chain[k], "chain name");
    const q = this.qname;
    if (q !== null && name.len <= q.len) {
      // A suffix of the question name: point into the question.
      const start = q.len - name.len;
      if (q.suffixStart(name.labels) === start && sameBytes(q.buf, start, name.buf, 0, name.len)) {
        return this.writePointer((this.chainAt[0] ?? 0) + start);
      }
    }
    // Labels down to the deepest zone name it ends in, then that name.
    const zone = present(this.zone, "zone");
    let id = 0;
    let i = name.labels - zone.originLabels - 1;
    for (; i >= 0; i--) {
      const child = zone.names.find(id, 0, name.buf, name.offs[i] ?? 0);
      if (child < 0) break;
      id = child;
    }
    const literal = i >= 0 ? (name.offs[i] ?? 0) + 1 + (name.buf[name.offs[i] ?? 0] ?? 0) : 0;
    // A longer suffix may have been written literally in RDATA (a CNAME target): point to it.
    for (let s = 0; s <= i; s++) {
      const hit = this.findCandidate(name.buf, name.offs[s] ?? 0);
      if (hit === 0) continue;
      const head = name.offs[s] ?? 0;
      if (this.pos + head > this.limit) return false;
      const at = head > 0 ? this.pos : hit;
      if (at <= MAX_POINTER) this.markChain(k, at);
      copyBytes(name.buf, 0, out, this.pos, head);
      this.pos += head;
      return this.writePointer(hit);
    }
    if (this.pos + literal > this.limit) return false;
    if (this.pos <= MAX_POINTER) this.markChain(k, this.pos);
    copyBytes(name.buf, 0, out, this.pos, literal);
    this.pos += literal;
    return this.writeNode(id);
  }

  /** Writes zone name `id`: its labels up to the first name already written, then a pointer (RFC 1035 §4.1.4). */
  private writeNode(id: number): boolean {
    const zone = present(this.zone, "zone");
    const { names } = zone;
    for (let n = id; ; n = (names.parent[n] ?? 0)) {
      const at = this.comp[n] ?? 0;
      if (at !== 0) return this.writePointer(at);
      if (n === 0) {
        if (this.pos + zone.originWire.length > this.limit) return false;
        if (this.pos <= MAX_POINTER) this.mark(0, this.pos);
        copyBytes(zone.originWire, 0, out, this.pos, zone.originWire.length);
        this.pos += zone.originWire.length;
        return true;
      }
      const off = names.labelOff[n] ?? 0;
      const len = (names.labels[off] ?? 0) + 1;
      if (this.pos + len > this.limit) return false;
      if (this.pos <= MAX_POINTER) this.mark(n, this.pos);
      copyBytes(names.labels, off, out, this.pos, len);
      this.pos += len;
    }
  }

  private writePointer(at: number): boolean {
    if (this.pos + 2 > this.limit) return false;
    out[this.pos] = 0xc0 | (at >>> 8);
    out[this.pos + 1] = at & 0xff;
    this.pos += 2;
    return true;
  }

  private mark(id: number, at: number): void {
    this.comp[id] = at;
    this.touched[this.nTouched++] = id;
  }

  /** Chain names are recorded in `touched` as negative numbers (-1 - k) so rollback clears them too. */
  private markChain(k: number, at: number): void {
    this.chainAt[k] = at;
    this.touched[this.nTouched++] = -1 - k;
  }

  /** Undoes a partly written RRset, compression entries included; returns false. */
  private rollback(mark: number, touchedMark: number, candMark: number): boolean {
    this.pos = mark;
    this.nCand = candMark;
    for (let i = touchedMark; i < this.nTouched; i++) {
      const t = this.touched[i] ?? 0;
      if (t >= 0) this.comp[t] = 0;
      else this.chainAt[-1 - t] = 0;
    }
    this.nTouched = touchedMark;
    return false;
  }
}

/**
 * True when the name written in the message at `at` (following our own pointers, which always point backwards)
 * equals the uncompressed name at `data[from]` octet for octet.
 */
function nameEqualsAt(at: number, data: Buffer, from: number): boolean {
  let p = at;
  let q = from;
  for (;;) {
    let len = out[p] ?? 0;
    while ((len & 0xc0) === 0xc0) {
      p = ((len & 0x3f) << 8) | (out[p + 1] ?? 0);
      len = out[p] ?? 0;
    }
    if (len !== data[q]) return false;
    if (len === 0) return true;
    if (!sameBytes(out, p + 1, data, q + 1, len)) return false;
    p += len + 1;
    q += len + 1;
  }
}
