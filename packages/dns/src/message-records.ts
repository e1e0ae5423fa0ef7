// Reads the answer records of a DNS message straight from wire form (AXFR responses): owner names and the
// names inside RDATA decompressed, RDATA kept in uncompressed wire form. No intermediate objects per field,
// which makes a large zone transfer several times cheaper than decoding with dns-packet and re-encoding.

import { DnsError } from "./errors";
import { CLASS_IN } from "./rrtypes";
import { lowerLabel } from "./names";

/** One record as read from a message: lower-case owner labels, type, TTL and uncompressed RDATA. */
export interface WireRecord {
  /** Owner name labels, lower-case, without the root label. */
  owner: Buffer[];
  type: number;
  ttl: number;
  /** RDATA in uncompressed wire form (names inside keep their case). */
  rdata: Buffer;
}

/** Header fields and answer records of a response message. */
export interface MessageAnswers {
  id: number;
  /** RCODE (low 4 bits of the flags; no EDNS extended RCODE). */
  rcode: number;
  answers: WireRecord[];
}

const OPT = 41;

// Where names sit in the RDATA of the types whose names may be compressed (RFC 1035 types) or that receivers
// should decompress for robustness (RFC 3597 §4): "n" a domain name, "2"/"4"/"20" that many fixed octets,
// "s" a <character-string>. Every other type's RDATA is taken as is (servers must not compress it).
const LAYOUTS = new Map<number, readonly string[]>([
  [2, ["n"]], // NS
  [3, ["n"]], // MD
  [4, ["n"]], // MF
  [5, ["n"]], // CNAME
  [6, ["n", "n", "20"]], // SOA
  [7, ["n"]], // MB
  [8, ["n"]], // MG
  [9, ["n"]], // MR
  [12, ["n"]], // PTR
  [14, ["n", "n"]], // MINFO
  [15, ["2", "n"]], // MX
  [17, ["n", "n"]], // RP
  [18, ["2", "n"]], // AFSDB
  [21, ["2", "n"]], // RT
  [26, ["2", "n", "n"]], // PX
  [33, ["2", "2", "2", "n"]], // SRV
  [35, ["2", "2", "s", "s", "s", "n"]], // NAPTR
  [36, ["2", "n"]], // KX
  [39, ["n"]], // DNAME
]);

/** A message that cannot be read. */
export class MessageFormatError extends DnsError {
  constructor(message: string) {
    super("PDNSD_MESSAGE_MALFORMED", message);
    this.name = "MessageFormatError";
  }
}

/**
 * Reads a (possibly compressed) name at `offset`; returns its labels (copies) and the offset after it in the
 * original position. Pointers must point backwards (so they cannot loop).
 */
function readName(msg: Buffer, offset: number, lower: boolean): { labels: Buffer[]; next: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  let next = -1;
  let total = 1;
  for (;;) {
    if (pos >= msg.length) throw new MessageFormatError("name runs past the end of the message");
    const len = msg[pos] ?? 0;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { labels, next };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= msg.length) throw new MessageFormatError("compression pointer runs past the end of the message");
      const target = ((len & 0x3f) << 8) | (msg[pos + 1] ?? 0);
      if (next < 0) next = pos + 2;
      if (target >= pos) throw new MessageFormatError(`compression pointer at ${pos} does not point backwards`);
      pos = target;
      continue;
    }
    if (kind !== 0) throw new MessageFormatError(`unsupported label type 0x${kind.toString(16)} at ${pos}`);
    if (pos + 1 + len > msg.length) throw new MessageFormatError("label runs past the end of the message");
    total += len + 1;
    if (total > 255) throw new MessageFormatError("name longer than 255 octets");
    const label = Buffer.from(msg.subarray(pos + 1, pos + 1 + len));
    labels.push(lower ? lowerLabel(label) : label);
    pos += 1 + len;
  }
}

/** Uncompressed wire form of `labels`. */
function labelsToWire(labels: readonly Buffer[], out: Buffer[]): void {
  for (const l of labels) {
    out.push(Buffer.from([l.length]), l);
  }
  out.push(Buffer.from([0]));
}

/** The RDATA at `start`..`end` of `msg` with the names of `layout` decompressed. */
function decompressRdata(msg: Buffer, start: number, end: number, layout: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  let pos = start;
  for (const field of layout) {
    if (field === "n") {
      const { labels, next } = readName(msg, pos, false);
      if (next > end) throw new MessageFormatError("name in RDATA runs past RDLENGTH");
      labelsToWire(labels, parts);
      pos = next;
    } else {
      const n = field === "s" ? 1 + (msg[pos] ?? 0) : Number(field);
      if (pos + n > end) throw new MessageFormatError("RDATA shorter than its type requires");
      parts.push(msg.subarray(pos, pos + n));
      pos += n;
    }
  }
  if (pos !== end) throw new MessageFormatError(`${end - pos} unexpected octet(s) at the end of RDATA`);
  return Buffer.concat(parts);
}

/**
 * Reads the header and the answer section of a DNS message. Records of classes other than IN, and OPT, are
 * refused with {@link MessageFormatError} (a zone transfer holds IN records only); so is any malformation.
 */
export function readMessageAnswers(msg: Buffer): MessageAnswers {
  if (msg.length < 12) throw new MessageFormatError(`message of ${msg.length} octets is shorter than a header`);
  const id = msg.readUInt16BE(0);
  const rcode = (msg[3] ?? 0) & 0x0f;
  const qdcount = msg.readUInt16BE(4);
  const ancount = msg.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qdcount; i++) {
    pos = readName(msg, pos, false).next + 4;
    if (pos > msg.length) throw new MessageFormatError("question runs past the end of the message");
  }
  const answers: WireRecord[] = [];
  for (let i = 0; i < ancount; i++) {
    const { labels, next } = readName(msg, pos, true);
    pos = next;
    if (pos + 10 > msg.length) throw new MessageFormatError("record header runs past the end of the message");
    const type = msg.readUInt16BE(pos);
    const klass = msg.readUInt16BE(pos + 2);
    const ttl = msg.readUInt32BE(pos + 4);
    const rdlength = msg.readUInt16BE(pos + 8);
    pos += 10;
    const end = pos + rdlength;
    if (end > msg.length) throw new MessageFormatError("RDATA runs past the end of the message");
    if (type === OPT) throw new MessageFormatError("an OPT pseudo-record in the answer section");
    if (klass !== CLASS_IN) throw new MessageFormatError(`record of class ${klass}; only IN is supported`);
    const layout = LAYOUTS.get(type);
    const rdata = layout ? decompressRdata(msg, pos, end, layout) : Buffer.from(msg.subarray(pos, end));
    answers.push({ owner: labels, type, ttl, rdata });
    pos = end;
  }
  return { id, rcode, answers };
}
