// Response encoder: header, question copy, RRsets with owner-name compression, rollback truncation, OPT.

import { CLASS_IN, RRType } from "./constants";
import type { DnsName } from "./names";
import type { RRset } from "./types";
import { HEADER_SIZE } from "./wire-query";

/** Size of an OPT record without options: root name, type, class, TTL, RDLENGTH (RFC 6891 §6.1.2). */
export const OPT_SIZE = 11;

/** Largest DNS message (TCP length prefix, RFC 1035 §4.2.2). */
const MAX_MESSAGE = 65535;

/** Compression pointers hold 14-bit offsets (RFC 1035 §4.1.4). */
const MAX_POINTER = 0x3fff;

/** Reused for every response (encoding is synchronous); the result is copied out. */
const scratch = Buffer.allocUnsafe(MAX_MESSAGE);

/** Section indexes, in message order. */
export const Section = { Answer: 0, Authority: 1, Additional: 2 } as const;

/**
 * Writes one response into a scratch buffer. Owner names are compressed through a per-response table
 * (suffix key → offset, as NSD's per-query table); RDATA is copied as precompiled, uncompressed wire bytes.
 * An RRset that does not fit is rolled back whole, so truncation always ends at the last whole RRset.
 */
export class ResponseWriter {
  private pos = HEADER_SIZE;
  private readonly table = new Map<string, number>();
  private readonly added: string[] = [];
  private readonly counts = [0, 0, 0];

  /** `limit` is the largest message size allowed for the RRsets (room for OPT already taken off). */
  constructor(private limit: number) {
    this.limit = Math.min(limit, MAX_MESSAGE);
  }

  /** Copies the question as received (QNAME case preserved) and makes its suffixes compression targets. */
  writeQuestion(question: Buffer, qname: DnsName): void {
    question.copy(scratch, this.pos);
    let offset = this.pos;
    for (let i = 0; i < qname.labels.length; i++) {
      this.table.set(qname.keys[i] as string, offset);
      offset += (qname.labels[i] as Buffer).length + 1;
    }
    this.pos += question.length;
  }

  /** Appends an RRset to `section`, starting at record `rotate` (round robin); false (nothing written) if too big. */
  writeRRset(section: number, rrset: RRset, rotate = 0): boolean {
    const mark = this.pos;
    const addedMark = this.added.length;
    const n = rrset.rdatas.length;
    for (let j = 0; j < n; j++) {
      const rdata = rrset.rdatas[(j + rotate) % n] as Buffer;
      if (!this.writeName(rrset.owner) || this.pos + 10 + rdata.length > this.limit) {
        this.rollback(mark, addedMark);
        return false;
      }
      scratch.writeUInt16BE(rrset.type, this.pos);
      scratch.writeUInt16BE(CLASS_IN, this.pos + 2);
      scratch.writeUInt32BE(rrset.ttl >>> 0, this.pos + 4);
      scratch.writeUInt16BE(rdata.length, this.pos + 8);
      rdata.copy(scratch, this.pos + 10);
      this.pos += 10 + rdata.length;
    }
    this.counts[section] = (this.counts[section] as number) + n;
    return true;
  }

  /**
   * Appends the OPT record (RFC 6891 §6.1.2): our UDP payload size in CLASS, extended rcode bits, version 0
   * and the DO bit copied from the query (RFC 3225 §3). Its space is reserved by the caller (limit passed without it).
   */
  writeOpt(udpSize: number, extendedRcode: number, dnssecOk: boolean): void {
    const at = this.pos;
    scratch[at] = 0;
    scratch.writeUInt16BE(RRType.OPT, at + 1);
    scratch.writeUInt16BE(udpSize, at + 3);
    scratch.writeUInt32BE((((extendedRcode & 0xff) << 24) | (dnssecOk ? 0x8000 : 0)) >>> 0, at + 5);
    scratch.writeUInt16BE(0, at + 9);
    this.pos += OPT_SIZE;
    this.counts[Section.Additional] = (this.counts[Section.Additional] as number) + 1;
  }

  /** Writes the header (QDCOUNT = `qdcount`) and returns a copy of the finished message. */
  finish(id: number, flags: number, qdcount: number): Buffer {
    scratch.writeUInt16BE(id, 0);
    scratch.writeUInt16BE(flags, 2);
    scratch.writeUInt16BE(qdcount, 4);
    scratch.writeUInt16BE(this.counts[0] as number, 6);
    scratch.writeUInt16BE(this.counts[1] as number, 8);
    scratch.writeUInt16BE(this.counts[2] as number, 10);
    return Buffer.from(scratch.subarray(0, this.pos));
  }

  /** Writes a name, ending with a pointer to the longest suffix already written (RFC 1035 §4.1.4). */
  private writeName(name: DnsName): boolean {
    for (let i = 0; i < name.labels.length; i++) {
      const key = name.keys[i] as string;
      const pointer = this.table.get(key);
      if (pointer !== undefined) {
        if (this.pos + 2 > this.limit) return false;
        scratch.writeUInt16BE(0xc000 | pointer, this.pos);
        this.pos += 2;
        return true;
      }
      const label = name.labels[i] as Buffer;
      if (this.pos + 1 + label.length > this.limit) return false;
      if (this.pos <= MAX_POINTER) {
        this.table.set(key, this.pos);
        this.added.push(key);
      }
      scratch[this.pos] = label.length;
      label.copy(scratch, this.pos + 1);
      this.pos += 1 + label.length;
    }
    if (this.pos + 1 > this.limit) return false;
    scratch[this.pos++] = 0;
    return true;
  }

  /** Undoes a partly written RRset, compression entries included. */
  private rollback(mark: number, addedMark: number): void {
    this.pos = mark;
    for (const key of this.added.splice(addedMark)) this.table.delete(key);
  }
}
