// Wire adapter (after CoreDNS plugin/file/file.go): validate → class → EDNS → zone → lookup → encode.

import { CLASS_IN, EDNS_UDP_PAYLOAD, ExtendedError, Rcode, RRType } from "./constants";
import { nameKey } from "@pdns-distribute/dns";
import type { ExtendedErrorValue, RcodeValue } from "./constants";
import { resolveInto } from "./lookup";
import { Answer, LookupResult } from "./sections";
import type { Section } from "./sections";
import type { WireName } from "./wire-name";
import { MessageWriter, OPT_SIZE, SectionIndex } from "./wire-encode";
import { Decoded, decodeQuery, DecodedQuery, HEADER_SIZE } from "./wire-query";
import { tsigBadKeyRecord } from "./tsig";
import type { ZoneSet } from "./zone-set";
import { wireToName } from "./zone-view";
import { clearEdnsReply, lastCookieValid, prepareEdnsReply, writeEdnsReply } from "./edns-reply";
import type { ServerCookies } from "./cookies";
import type { QueryPeer } from "./query-peer";

/** Minimal pino-compatible logger the answer engine writes to. */
export interface AnswerLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

/** Tunables of the wire adapter. */
export interface WireOptions {
  /** Largest UDP response we send and advertise in OPT (RFC 6891 §6.2.5); default {@link EDNS_UDP_PAYLOAD}. */
  maxUdpPayload: number;
  /** Rotate the records of multi-record RRsets from one response to the next; default on. */
  roundRobin: boolean;
  /** Our name server identifier, sent to queries that ask with an NSID option (RFC 5001); null (default): off. */
  nsid: Buffer | null;
  /** DNS cookies (RFC 7873, cookies.ts), answered when the context has a `peer`; null (default here): off. */
  cookies: ServerCookies | null;
}

/** Default {@link WireOptions}: the one home of these defaults (the DNS server's options start from them). */
export function defaultWireOptions(): WireOptions {
  return { maxUdpPayload: EDNS_UDP_PAYLOAD, roundRobin: true, nsid: null, cookies: null };
}

/** What an option left out of {@link AnswerContext.options} means. */
const WIRE_DEFAULTS: Readonly<WireOptions> = defaultWireOptions();

/** Everything {@link answerQuery} needs besides the message. */
export interface AnswerContext {
  zones: ZoneSet;
  logger: AnswerLogger;
  transport: "udp" | "tcp";
  options?: Partial<WireOptions>;
  /** The client of the message being answered (set by the listener per message); DNS cookies are bound to it. */
  peer?: QueryPeer;
  /** The TCP peer is on the transfer allow-list (set by transfer.ts); absent: a transfer it asks for is prohibited. */
  transferAllowed?: boolean;
}

/** QCLASS * (RFC 1035 §3.2.5). */
const CLASS_ANY = 255;
/** UDP size without EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_SIZE = 512;
/** Largest message over TCP (RFC 1035 §4.2.2). */
const TCP_SIZE = 65535;

const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
/** RD and CD are copied from the query (RFC 1035 §4.1.1, RFC 4035 §3.1.6 / RFC 6840 §5.9). */
const COPIED_FLAGS = 0x0100 | 0x0010;

/** State reused by every query (answering is synchronous): the decoded query, the lookup result, the writer. */
const answer = new Answer();
const query = new DecodedQuery(answer.chain[0]);
const writer = new MessageWriter();
let rotation = 0;
/** The last message was looked up in a zone (so `answer` describes it), for {@link rateLimitSubject}. */
let lookedUp = false;
/** The last message's reply may be kept in a packet cache: see {@link lastAnswerCacheable}. */
let cacheable = false;
/** Octets the options of the reply's OPT take (edns-reply.ts); 0 when the query's OPT had none (the usual case). */
let optionBytes = 0;

/**
 * Answers one DNS message. Returns the response bytes, or null when the message must be dropped (shorter than
 * a header, or itself a response). Never throws: an unexpected error gives SERVFAIL and one error log line.
 */
export function answerQuery(message: Buffer, ctx: AnswerContext): Buffer | null {
  const length = answerToWriter(message, ctx);
  if (length < 0) return null;
  const response = Buffer.allocUnsafe(length);
  writer.copyTo(response, 0, length);
  return response;
}

/**
 * {@link answerQuery} without allocating: writes the response into `target` at `at` and returns its length, or
 * -1 when the message must be dropped. `target` must have room for the largest response (64 KiB over TCP; over
 * UDP max(512, `maxUdpPayload`)); when it has not, nothing is written and -2 is returned. The message is
 * `message[0 .. messageLength)`, so that a batch socket's slot is read without a view of its own per datagram.
 */
export function answerQueryInto(message: Buffer, ctx: AnswerContext, target: Buffer, at: number, messageLength = message.length): number {
  const length = answerToWriter(message, ctx, messageLength);
  if (length < 0) return -1;
  if (at + length > target.length) return -2;
  writer.copyTo(target, at, length);
  return length;
}

/** Answers `message[0 .. messageLength)` into the shared writer; returns the response's length, or -1 to drop it. */
function answerToWriter(message: Buffer, ctx: AnswerContext, messageLength = message.length): number {
  lookedUp = false;
  cacheable = false;
  optionBytes = 0;
  const decoded = decodeQuery(message, query, messageLength);
  if (decoded === Decoded.Drop) return -1;
  const maxUdp = ctx.options?.maxUdpPayload ?? WIRE_DEFAULTS.maxUdpPayload;
  if (decoded === Decoded.Error) return encodeDecodeError(query, maxUdp);
  try {
    // Options (NSID, COOKIE) of an OPT of version 0 only; a malformed option list or COOKIE is FORMERR (RFC 7873 §5.2.2).
    if (query.edns && query.optEnd > query.optData && query.ednsVersion === 0) {
      const o = ctx.options;
      const size = prepareEdnsReply(query, o?.nsid ?? WIRE_DEFAULTS.nsid, o?.cookies ?? WIRE_DEFAULTS.cookies, ctx.peer);
      if (size < 0) return encodeError(query, Rcode.FormErr, maxUdp);
      optionBytes = size;
    }
    // RFC 8945 §5.2: a TSIG signed with a key we do not hold (we hold none) → NOTAUTH, TSIG error BADKEY.
    if (query.tsig >= 0) return encodeTsigBadKey(query, ctx.transport, maxUdp);
    // RFC 1035 §3.2.5: QCLASS * (ANY) matches every class, so also IN, the only one served (as Knot, NSD, PowerDNS).
    if (query.qclass !== CLASS_IN && query.qclass !== CLASS_ANY) return encodeError(query, Rcode.Refused, maxUdp);
    if (query.edns && query.ednsVersion > 0) return encodeError(query, Rcode.BadVers, maxUdp);
    // Zone transfers are served over TCP to allowed peers by transfer.ts (answerTcpQuery, IXFR as a full AXFR per
    // RFC 1995 §4) before this point; one that reaches here (UDP, or a peer not allowed) is refused (RFC 5936 §4.2).
    if (query.qtype === RRType.AXFR || query.qtype === RRType.IXFR) return encodeError(query, Rcode.Refused, maxUdp, transferRefusal(ctx));
    const zone = ctx.zones.find(query.qname, query.qtype);
    // RFC 8914 §4.21: a name in no served zone is refused with EDE 20 "Not Authoritative" (as Knot does).
    if (zone === undefined) return encodeError(query, Rcode.Refused, maxUdp, ExtendedError.NotAuthoritative);
    answer.reset(zone, query.dnssecOk);
    resolveInto(answer, query.qtype);
    lookedUp = true;
    writer.begin(responseLimit(query, ctx.transport, maxUdp) - (query.edns ? OPT_SIZE + optionBytes : 0), zone);
    const rotate = (ctx.options?.roundRobin ?? WIRE_DEFAULTS.roundRobin) ? (rotation = (rotation + 1) & 0x3fffffff) : 0;
    const length = encodeResponse(query, answer, rotate, maxUdp);
    cacheable = ctx.transport === "udp" && (!query.edns || query.optEnd === query.optData) && (rotate === 0 || !writer.multiRecord);
    return length;
  } catch (err) {
    optionBytes = 0;
    clearEdnsReply();
    ctx.logger.error({ err, qname: nameKey(wireToName(query.qname)), qtype: query.qtype }, "answering a DNS query failed");
    try {
      return encodeError(query, Rcode.ServFail, maxUdp);
    } catch {
      return encodeBare(query.id, query.flags, Rcode.ServFail);
    }
  }
}

/**
 * The reply to the last message depends on nothing but its octets after the ID and the served zones, so a packet
 * cache (packet-cache.ts) may give it to the same query again: a UDP answer from a zone (no error reply), to a query
 * whose OPT, if any, has no options (no cookie, no NSID: nothing of the client), without an RRset of several records
 * under round robin. RRL still judges every reply, by the subject {@link rateLimitSubject} gave when it was kept.
 */
export function lastAnswerCacheable(): boolean {
  return cacheable;
}

/** The last message answered carried a valid server cookie of ours: RRL lets its reply through (RFC 7873 §5.2.5, as BIND). */
export function answeredWithValidCookie(): boolean {
  return optionBytes > 0 && lastCookieValid();
}

/**
 * What response rate limiting counts the last answered message by, as BIND's RRL does: a wildcard answer by the
 * wildcard's name (and the type), NXDOMAIN and NODATA by the zone; null: by the question (other answers, errors).
 * Without this, random names under a wildcard or a zone each get a bucket of their own and are never limited.
 */
export function rateLimitSubject(): string | null {
  const zone = answer.zone;
  if (!lookedUp || zone === null) return null;
  if (answer.result === LookupResult.NxDomain || answer.result === LookupResult.NoData) return nameKey(zone.origin);
  if (answer.wildcard >= 0) return `${nameKey(zone.origin)}*${answer.wildcard}/${query.qtype}`;
  return null;
}

/** The largest response allowed: 64 KiB over TCP; over UDP 512 without EDNS, else the advertised size capped. */
function responseLimit(q: DecodedQuery, transport: "udp" | "tcp", maxUdp: number): number {
  if (transport === "tcp") return TCP_SIZE;
  if (!q.edns) return CLASSIC_UDP_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, Math.min(q.udpSize, maxUdp));
}

/**
 * Encodes a lookup result. Answer and authority RRsets that do not fit set TC; additional RRsets are optional
 * (RFC 2181 §9) except glue in referrals (RFC 9471 §3).
 */
function encodeResponse(q: DecodedQuery, a: Answer, rotate: number, maxUdp: number): number {
  writer.writeQuestion(q.msg, q.questionEnd, q.qname, a.qpath, a.qpathStop);
  let truncated = !writeAll(SectionIndex.Answer, a.answer, a.chain, rotate);
  truncated = truncated || !writeAll(SectionIndex.Authority, a.authority, a.chain, rotate);
  if (!truncated && !writeAll(SectionIndex.Additional, a.additional, a.chain, rotate)) {
    truncated = a.result === LookupResult.Delegation;
  }
  if (q.edns) writeOpt(q, maxUdp, 0);
  const flags = responseFlags(q, a.rcode) | (a.authoritative ? AA : 0) | (truncated ? TC : 0);
  return writer.seal(q.id, flags, 1);
}

/** Writes the reply's OPT record and the options the query asked for (edns-reply.ts). */
function writeOpt(q: DecodedQuery, maxUdp: number, extendedRcode: number): void {
  writer.writeOpt(maxUdp, extendedRcode, q.dnssecOk);
  if (optionBytes > 0) writeEdnsReply(writer);
}

/** Writes a section's RRsets in order until one does not fit; false when one did not. */
function writeAll(index: number, section: Section, chain: readonly WireName[], rotate: number): boolean {
  for (let i = 0; i < section.n; ) {
    i = writer.writeEntry(index, section, i, chain, rotate);
    if (i < 0) return false;
  }
  return true;
}

/**
 * The Extended DNS Error of a refused transfer: over TCP from a peer not on the allow-list EDE 18 "Prohibited"
 * (RFC 8914 §4.19); none over UDP (RFC 5936 §4.2 forbids the transport, not the client) or for an allowed peer.
 */
function transferRefusal(ctx: AnswerContext): ExtendedErrorValue {
  return ctx.transport === "tcp" && ctx.transferAllowed !== true ? ExtendedError.Prohibited : -1;
}

/**
 * An error response with the question echoed, AA clear, and OPT when the query had one; that OPT carries the
 * Extended DNS Error `ede` unless it is -1 (RFC 8914 §3: only to a query that carried an OPT).
 */
function encodeError(q: DecodedQuery, rcode: RcodeValue, maxUdp: number, ede: ExtendedErrorValue = -1): number {
  writer.begin(CLASSIC_UDP_SIZE, null);
  writer.writeQuestion(q.msg, q.questionEnd, q.qname);
  // RFC 6891 §6.1.3: BADVERS (16) lives in the OPT's extended rcode bits; the header keeps the low 4 bits.
  if (q.edns) {
    writeOpt(q, maxUdp, rcode >> 4);
    if (ede >= 0) writer.appendEdeToOpt(ede);
  }
  return writer.seal(q.id, responseFlags(q, rcode), 1);
}

/**
 * NOTAUTH with the unsigned BADKEY TSIG record of RFC 8945 §5.2 / §5.3.2 (last in additional); FORMERR (question
 * and OPT echoed, RFC 6891 §6.1.1) if the TSIG record is malformed.
 */
function encodeTsigBadKey(q: DecodedQuery, transport: "udp" | "tcp", maxUdp: number): number {
  const record = tsigBadKeyRecord(q.msg, q.tsig, q.tsigRdata, q.tsigEnd);
  if (record === null) return encodeError(q, Rcode.FormErr, maxUdp);
  writer.begin(responseLimit(q, transport, maxUdp), null);
  writer.writeQuestion(q.msg, q.questionEnd, q.qname);
  if (q.edns) writeOpt(q, maxUdp, 0);
  writer.writeAdditionalRecord(record);
  return writer.seal(q.id, responseFlags(q, Rcode.NotAuth), 1);
}

/**
 * The reply to a message {@link decodeQuery} refused (FORMERR, NOTIMP): opcode kept, the question echoed when it
 * was read whole (as Knot does) and an OPT when the query had one (RFC 6891 §6.1.1: a responder that supports
 * EDNS includes an OPT in its reply to a query that carried one).
 */
function encodeDecodeError(q: DecodedQuery, maxUdp: number): number {
  writer.begin(CLASSIC_UDP_SIZE, null);
  if (q.questionEnd > 0) writer.writeQuestion(q.msg, q.questionEnd, q.qname);
  if (q.edns) writer.writeOpt(maxUdp, 0, q.dnssecOk);
  return writer.seal(q.id, QR | (q.flags & 0x7800) | (q.flags & COPIED_FLAGS) | (q.rcode & 0xf), q.questionEnd > 0 ? 1 : 0);
}

/** A header-only response (FORMERR, NOTIMP): nothing of the query beyond its header could be trusted. */
function encodeBare(id: number, queryFlags: number, rcode: RcodeValue): number {
  writer.begin(HEADER_SIZE, null);
  return writer.seal(id, QR | (queryFlags & 0x7800) | (queryFlags & COPIED_FLAGS) | (rcode & 0xf), 0);
}

/** QR set, opcode QUERY, RD and CD copied, the low 4 bits of the rcode. */
function responseFlags(q: DecodedQuery, rcode: RcodeValue): number {
  return QR | (q.flags & COPIED_FLAGS) | (rcode & 0xf);
}
