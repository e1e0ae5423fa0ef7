// Decodes just what answering needs from a query: header, the one question, and the EDNS OPT record.

import { OPCODE_QUERY, Rcode, RRType } from "./constants";
import type { RcodeValue } from "./constants";
import { MAX_NAME_WIRE, nameFromLabels } from "./names";
import type { DnsName } from "./names";

/** Size of the DNS header (RFC 1035 §4.1.1). */
export const HEADER_SIZE = 12;

/** What the query's OPT pseudo-record said (RFC 6891 §6.1.2, §6.1.3; DO bit RFC 3225 §3). */
export interface EdnsInfo {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
}

/** A query decoded far enough to answer it. */
export interface DecodedQuery {
  id: number;
  /** The second 16-bit word of the header, as received (RD and CD are copied into the response). */
  flags: number;
  /** The question section exactly as received: QNAME (case preserved), QTYPE, QCLASS. */
  question: Buffer;
  /** The query name, lower-cased for lookups. */
  qname: DnsName;
  qtype: number;
  qclass: number;
  edns: EdnsInfo | null;
}

/** Result of {@link decodeQuery}: a query to answer, or the rcode of an error reply without a question. */
export type QueryDecode =
  | { ok: true; query: DecodedQuery }
  | { ok: false; id: number; flags: number; rcode: RcodeValue };

/** Thrown inside the decoder for a malformed message; becomes FORMERR. */
class Malformed extends Error {}

/**
 * Decodes a query. Returns null for messages that must be dropped (shorter than a header, or responses:
 * answering them could loop). Other opcodes than QUERY give NOTIMP; a malformed message, QDCOUNT ≠ 1 or
 * more than one OPT give FORMERR (RFC 1035 §4.1.1, RFC 6891 §6.1.1).
 */
export function decodeQuery(msg: Buffer): QueryDecode | null {
  if (msg.length < HEADER_SIZE) return null;
  const id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) !== 0) return null;
  if (((flags >> 11) & 0xf) !== OPCODE_QUERY) return { ok: false, id, flags, rcode: Rcode.NotImp };
  if (msg.readUInt16BE(4) !== 1) return { ok: false, id, flags, rcode: Rcode.FormErr };
  try {
    return { ok: true, query: decodeBody(msg, id, flags) };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, id, flags, rcode: Rcode.FormErr };
    throw err;
  }
}

/** Decodes the question and scans the other sections for OPT; throws {@link Malformed}. */
function decodeBody(msg: Buffer, id: number, flags: number): DecodedQuery {
  const { qname, end } = readQuestionName(msg, HEADER_SIZE);
  if (end + 4 > msg.length) throw new Malformed();
  const qtype = msg.readUInt16BE(end);
  const qclass = msg.readUInt16BE(end + 2);
  const question = msg.subarray(HEADER_SIZE, end + 4);
  const skip = msg.readUInt16BE(6) + msg.readUInt16BE(8);
  const arcount = msg.readUInt16BE(10);
  let pos = end + 4;
  let edns: EdnsInfo | null = null;
  for (let i = 0; i < skip + arcount; i++) {
    const start = pos;
    pos = skipName(msg, pos);
    if (pos + 10 > msg.length) throw new Malformed();
    const type = msg.readUInt16BE(pos);
    const rdEnd = pos + 10 + msg.readUInt16BE(pos + 8);
    if (rdEnd > msg.length) throw new Malformed();
    if (type === RRType.OPT) {
      // RFC 6891 §6.1.1: only in the additional section, owned by the root, at most once.
      if (i < skip || edns !== null || pos !== start + 1 || msg[start] !== 0) throw new Malformed();
      const ttl = msg.readUInt32BE(pos + 4);
      edns = { udpSize: msg.readUInt16BE(pos + 2), version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0 };
    }
    pos = rdEnd;
  }
  return { id, flags, question, qname, qtype, qclass, edns };
}

/** Reads the uncompressed QNAME (nothing precedes it, so a pointer would be invalid). */
function readQuestionName(msg: Buffer, offset: number): { qname: DnsName; end: number } {
  const labels: Buffer[] = [];
  let pos = offset;
  for (;;) {
    if (pos >= msg.length) throw new Malformed();
    const len = msg[pos] as number;
    if (len === 0) break;
    if (len > 63 || pos + 1 + len > msg.length) throw new Malformed();
    labels.push(msg.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  if (pos + 1 - offset > MAX_NAME_WIRE) throw new Malformed();
  return { qname: nameFromLabels(labels), end: pos + 1 };
}

/** Skips a possibly compressed name (RFC 1035 §4.1.4) and returns the offset after it. */
function skipName(msg: Buffer, offset: number): number {
  let pos = offset;
  for (;;) {
    if (pos >= msg.length) throw new Malformed();
    const len = msg[pos] as number;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 2 > msg.length) throw new Malformed();
      return pos + 2;
    }
    if ((len & 0xc0) !== 0) throw new Malformed();
    pos += 1 + len;
  }
}
