// Decodes just what answering needs from a query into reused state: header, the one question, the EDNS OPT record.

import { OPCODE_QUERY, Rcode, RRType } from "./constants";
import type { RcodeValue } from "./constants";
import { WireName } from "./wire-name";

/** Size of the DNS header (RFC 1035 §4.1.1). */
export const HEADER_SIZE = 12;

/** Outcome of {@link decodeQuery}. */
export const Decoded = {
  /** Drop the message: shorter than a header, or a response (answering it could loop). */
  Drop: 0,
  /** A query to answer. */
  Query: 1,
  /** Answer with a bare header carrying `rcode` (NOTIMP, FORMERR). */
  Error: 2,
} as const;

/**
 * A query decoded far enough to answer it. One instance is reused from message to message: decoding allocates
 * nothing, and the fields are valid until the next {@link decodeQuery} into the same object.
 */
export class DecodedQuery {
  id = 0;
  /** The second 16-bit word of the header, as received (RD and CD are copied into the response). */
  flags = 0;
  /** The message; the question section as received (QNAME case preserved) is `msg[12 .. questionEnd)`. */
  msg: Buffer = Buffer.alloc(0);
  questionEnd = 0;
  /** `qname`: where the query name goes, lower-cased for lookups (the lookup's own chain[0] on the hot path). */
  constructor(readonly qname: WireName = new WireName()) {}

  qtype = 0;
  qclass = 0;
  /** The query had an OPT record (RFC 6891 §6.1.2): its UDP size, version and DO bit (RFC 3225 §3). */
  edns = false;
  udpSize = 0;
  ednsVersion = 0;
  dnssecOk = false;
  /** Where the OPT's RDATA (its options, RFC 6891 §6.1.2) starts and ends in `msg`; equal when it has none. */
  optData = 0;
  optEnd = 0;
  /**
   * Offset of the query's TSIG record (RFC 8945 §4.2: the last record of the additional section), or -1 when it has
   * none; `tsigRdata` is where its RDATA starts and `tsigEnd` where the record ends.
   */
  tsig = -1;
  tsigRdata = 0;
  tsigEnd = 0;
  /** The rcode of an {@link Decoded.Error}. */
  rcode: RcodeValue = 0;
}

/**
 * Decodes a query into `q`. Other opcodes than QUERY give NOTIMP; a malformed message, QDCOUNT ≠ 1, more than one
 * OPT, a TSIG anywhere but last, or bytes after the last record give FORMERR (RFC 1035 §4.1.1, RFC 6891 §6.1.1,
 * RFC 8945 §5.1; Knot and NSD answer trailing bytes with FORMERR too). Returns one of {@link Decoded}.
 * The message is `msg[0 .. length)` (a batch socket's slot holds more than its datagram).
 */
export function decodeQuery(msg: Buffer, q: DecodedQuery, length = msg.length): number {
  if (length < HEADER_SIZE) return Decoded.Drop;
  q.msg = msg;
  q.id = (msg[0] ?? 0) * 256 + (msg[1] ?? 0);
  q.flags = (msg[2] ?? 0) * 256 + (msg[3] ?? 0);
  if ((q.flags & 0x8000) !== 0) return Decoded.Drop;
  q.questionEnd = 0;
  q.edns = false;
  q.dnssecOk = false;
  q.tsig = -1;
  // Decoded as far as it goes even for an error: its reply echoes the question and the OPT that were read.
  const qdcount = (msg[4] ?? 0) * 256 + (msg[5] ?? 0);
  const wellFormed = qdcount <= 1 && decodeBody(msg, length, q, qdcount === 1);
  q.rcode = Rcode.FormErr;
  if (((q.flags >> 11) & 0xf) !== OPCODE_QUERY) q.rcode = Rcode.NotImp;
  else if (wellFormed && qdcount === 1) return Decoded.Query;
  return Decoded.Error;
}

/**
 * Reads the question of `msg[0 .. length)` when there is one (nothing precedes the QNAME, so a pointer is invalid)
 * and scans the other sections for OPT and TSIG. `questionEnd` stays 0 unless the question was read whole.
 */
function decodeBody(msg: Buffer, length: number, q: DecodedQuery, hasQuestion: boolean): boolean {
  let pos = HEADER_SIZE;
  if (hasQuestion) {
    const end = q.qname.read(msg, HEADER_SIZE, length);
    if (end < 0 || end + 4 > length) return false;
    q.qtype = (msg[end] ?? 0) * 256 + (msg[end + 1] ?? 0);
    q.qclass = (msg[end + 2] ?? 0) * 256 + (msg[end + 3] ?? 0);
    pos = q.questionEnd = end + 4;
  }
  const skip = (msg[6] ?? 0) * 256 + (msg[7] ?? 0) + (msg[8] ?? 0) * 256 + (msg[9] ?? 0);
  const records = skip + (msg[10] ?? 0) * 256 + (msg[11] ?? 0);
  for (let i = 0; i < records; i++) {
    const start = pos;
    pos = skipName(msg, pos, length);
    if (pos < 0 || pos + 10 > length) return false;
    const rdEnd = pos + 10 + (msg[pos + 8] ?? 0) * 256 + (msg[pos + 9] ?? 0);
    if (rdEnd > length) return false;
    if ((msg[pos] ?? 0) * 256 + (msg[pos + 1] ?? 0) === RRType.OPT) {
      // RFC 6891 §6.1.1: only in the additional section, owned by the root, at most once.
      if (i < skip || q.edns || pos !== start + 1 || msg[start] !== 0) return false;
      q.edns = true;
      q.udpSize = (msg[pos + 2] ?? 0) * 256 + (msg[pos + 3] ?? 0);
      q.ednsVersion = msg[pos + 5] ?? 0;
      q.dnssecOk = ((msg[pos + 6] ?? 0) & 0x80) !== 0;
      q.optData = pos + 10;
      q.optEnd = rdEnd;
    } else if ((msg[pos] ?? 0) * 256 + (msg[pos + 1] ?? 0) === RRType.TSIG) {
      // RFC 8945 §5.1: a TSIG anywhere but as the last record of the additional section is a FORMERR.
      if (i !== records - 1 || i < skip) return false;
      q.tsig = start;
      q.tsigRdata = pos + 10;
      q.tsigEnd = rdEnd;
    }
    pos = rdEnd;
  }
  return pos === length; // bytes after the last record the counts announce: FORMERR
}

/**
 * Skips a possibly compressed name (RFC 1035 §4.1.4) in `msg[0 .. length)`; returns the offset after it, or -1 when
 * malformed.
 */
export function skipName(msg: Buffer, offset: number, length = msg.length): number {
  let pos = offset;
  for (;;) {
    if (pos >= length) return -1;
    const len = msg[pos] ?? 0;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 > length ? -1 : pos + 2;
    if ((len & 0xc0) !== 0) return -1;
    pos += 1 + len;
  }
}
