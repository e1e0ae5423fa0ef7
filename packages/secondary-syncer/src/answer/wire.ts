// Wire adapter (after CoreDNS plugin/file/file.go): validate → class → EDNS → zone → lookup → encode.

import { CLASS_IN, Rcode, RRType } from "./constants";
import type { RcodeValue } from "./constants";
import { lookup } from "./lookup";
import type { LookupResponse } from "./lookup";
import { nameKey } from "./names";
import { OPT_SIZE, ResponseWriter, Section } from "./wire-encode";
import type { RRset } from "./types";
import { decodeQuery } from "./wire-query";
import type { DecodedQuery } from "./wire-query";
import type { ZoneSet } from "./zone-index";

/** Minimal pino-compatible logger the answer engine writes to. */
export interface AnswerLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

/** Tunables of the wire adapter. */
export interface WireOptions {
  /** Largest UDP response we send and advertise in OPT (RFC 6891 §6.2.5; 1232 per DNS flag day 2020). */
  maxUdpPayload: number;
  /** Rotate the records of multi-record RRsets from one response to the next. */
  roundRobin: boolean;
}

/** Default {@link WireOptions}. */
export function defaultWireOptions(): WireOptions {
  return { maxUdpPayload: 1232, roundRobin: false };
}

/** Everything {@link answerQuery} needs besides the message. */
export interface AnswerContext {
  zones: ZoneSet;
  logger: AnswerLogger;
  transport: "udp" | "tcp";
  options?: Partial<WireOptions>;
}

/** UDP size without EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_SIZE = 512;
/** Largest message over TCP (RFC 1035 §4.2.2). */
const TCP_SIZE = 65535;

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
/** RD and CD are copied from the query (RFC 1035 §4.1.1, RFC 4035 §3.1.6 / RFC 6840 §5.9). */
const COPIED_FLAGS = 0x0100 | 0x0010;

let rotation = 0;

/**
 * Answers one DNS message. Returns the response bytes, or null when the message must be dropped (shorter than
 * a header, or itself a response). Never throws: an unexpected error gives SERVFAIL and one error log line.
 */
export function answerQuery(message: Buffer, ctx: AnswerContext): Buffer | null {
  const decoded = decodeQuery(message);
  if (decoded === null) return null;
  if (!decoded.ok) return encodeBare(decoded.id, decoded.flags, decoded.rcode);
  const query = decoded.query;
  const options = { ...defaultWireOptions(), ...ctx.options };
  try {
    if (query.qclass !== CLASS_IN) return encodeError(query, Rcode.Refused, options);
    if (query.edns !== null && query.edns.version > 0) return encodeError(query, Rcode.BadVers, options);
    // Zone transfers are not served by the secondaries (RFC 5936 §2.2.1 allows refusing them).
    if (query.qtype === RRType.AXFR || query.qtype === RRType.IXFR) return encodeError(query, Rcode.Refused, options);
    const zone = ctx.zones.find(query.qname, query.qtype);
    if (zone === undefined) return encodeError(query, Rcode.Refused, options);
    const result = lookup(zone, query.qname, query.qtype, { dnssecOk: query.edns?.dnssecOk === true });
    return encodeResponse(query, result, responseLimit(query, ctx.transport, options), options);
  } catch (err) {
    ctx.logger.error({ err, qname: nameKey(query.qname), qtype: query.qtype }, "answering a DNS query failed");
    try {
      return encodeError(query, Rcode.ServFail, options);
    } catch {
      return encodeBare(query.id, query.flags, Rcode.ServFail);
    }
  }
}

/** The largest response allowed: 64 KiB over TCP; over UDP 512 without EDNS, else the advertised size capped. */
function responseLimit(query: DecodedQuery, transport: "udp" | "tcp", options: WireOptions): number {
  if (transport === "tcp") return TCP_SIZE;
  if (query.edns === null) return CLASSIC_UDP_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, Math.min(query.edns.udpSize, options.maxUdpPayload));
}

/**
 * Encodes a lookup result. Answer and authority RRsets that do not fit set TC; additional RRsets are optional
 * (RFC 2181 §9) except glue in referrals (RFC 9471 §3).
 */
function encodeResponse(query: DecodedQuery, result: LookupResponse, limit: number, options: WireOptions): Buffer {
  const writer = new ResponseWriter(limit - (query.edns === null ? 0 : OPT_SIZE));
  writer.writeQuestion(query.question, query.qname);
  const rotate = options.roundRobin ? rotation++ : 0;
  let truncated = !writeAll(writer, Section.Answer, result.answer, rotate);
  truncated = truncated || !writeAll(writer, Section.Authority, result.authority, rotate);
  if (!truncated && !writeAll(writer, Section.Additional, result.additional, rotate)) {
    truncated = result.result === "delegation";
  }
  if (query.edns !== null) writer.writeOpt(options.maxUdpPayload, 0, query.edns.dnssecOk);
  const flags = responseFlags(query, result.rcode) | (result.authoritative ? AA : 0) | (truncated ? TC : 0);
  return writer.finish(query.id, flags, 1);
}

/** Writes RRsets in order until one does not fit; false when one did not. */
function writeAll(writer: ResponseWriter, section: number, rrsets: readonly RRset[], rotate: number): boolean {
  for (const rrset of rrsets) {
    if (!writer.writeRRset(section, rrset, rotate % Math.max(1, rrset.rdatas.length))) return false;
  }
  return true;
}

/** An error response with the question echoed, AA clear, and OPT when the query had one. */
function encodeError(query: DecodedQuery, rcode: RcodeValue, options: WireOptions): Buffer {
  const writer = new ResponseWriter(CLASSIC_UDP_SIZE);
  writer.writeQuestion(query.question, query.qname);
  // RFC 6891 §6.1.3: BADVERS (16) lives in the OPT's extended rcode bits; the header keeps the low 4 bits.
  if (query.edns !== null) writer.writeOpt(options.maxUdpPayload, rcode >> 4, query.edns.dnssecOk);
  return writer.finish(query.id, responseFlags(query, rcode), 1);
}

/** A header-only response (FORMERR, NOTIMP): nothing of the query beyond its header could be trusted. */
function encodeBare(id: number, queryFlags: number, rcode: RcodeValue): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  out.writeUInt16BE(QR | (queryFlags & 0x7800) | (queryFlags & COPIED_FLAGS) | (rcode & 0xf), 2);
  return out;
}

/** QR set, opcode QUERY, RD and CD copied, the low 4 bits of the rcode. */
function responseFlags(query: DecodedQuery, rcode: RcodeValue): number {
  return QR | (query.flags & COPIED_FLAGS) | (rcode & 0xf);
}
