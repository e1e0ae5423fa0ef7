// The options a reply's OPT carries for a query that asked: NSID (RFC 5001) and the DNS cookie (RFC 7873, RFC 9018).
// Only queries whose OPT has options come here, so the hot path (no options) pays one comparison in wire.ts.

import { CookieOutcome, REPLY_COOKIE_LENGTH } from "./cookies";
import type { ServerCookies } from "./cookies";
import { EdnsRequest, OptionCode, readEdnsOptions } from "./edns-options";
import type { QueryPeer } from "./query-peer";
import type { MessageWriter } from "./wire-encode";
import type { DecodedQuery } from "./wire-query";

/** Option header: OPTION-CODE and OPTION-LENGTH (RFC 6891 §6.1.2). */
const OPTION_HEADER = 4;

/** The query's options (reused, answering is synchronous). */
const request = new EdnsRequest();
/** The NSID to send in this reply, or null. */
let nsidReply: Buffer | null = null;
/** The COOKIE option data of this reply, when {@link cookieInReply}. */
const cookieReply = Buffer.alloc(REPLY_COOKIE_LENGTH);
let cookieInReply = false;
let cookieValid = false;

/**
 * Reads the options of `q`'s OPT and decides the reply's: returns the octets they will take in the reply's OPT
 * (the caller reserves them), or -1 when the reply must be FORMERR (edns-options.ts). `nsid`: our identifier
 * (null: NSID off; RFC 5001 §2.1: sent only to a query that carried the option). `cookies` (null: off) and `peer`
 * (the client the cookie is bound to): a query with a COOKIE option gets one back (RFC 7873 §5.2).
 */
export function prepareEdnsReply(q: DecodedQuery, nsid: Buffer | null, cookies: ServerCookies | null, peer: QueryPeer | undefined): number {
  nsidReply = null;
  cookieInReply = cookieValid = false;
  if (!readEdnsOptions(q.msg, q.optData, q.optEnd, request)) return -1;
  let size = 0;
  if (request.nsid && nsid !== null) {
    nsidReply = nsid;
    size += OPTION_HEADER + nsid.length;
  }
  if (request.cookie >= 0 && cookies !== null && peer !== undefined) {
    const outcome = cookies.reply(q.msg, request.cookie, request.cookieLength, peer.bytes(), cookieReply);
    cookieValid = outcome === CookieOutcome.Valid;
    cookieInReply = true;
    size += OPTION_HEADER + REPLY_COOKIE_LENGTH;
  }
  return size;
}

/** The last query prepared carried a valid server cookie of ours (RFC 7873 §5.2.5: its address is proven, so RRL exempts it). */
export function lastCookieValid(): boolean {
  return cookieValid;
}

/** Appends the options {@link prepareEdnsReply} decided to the OPT record `writer` wrote last. */
export function writeEdnsReply(writer: MessageWriter): void {
  if (nsidReply !== null) writer.appendOptOption(OptionCode.Nsid, nsidReply, 0, nsidReply.length);
  if (cookieInReply) writer.appendOptOption(OptionCode.Cookie, cookieReply, 0, REPLY_COOKIE_LENGTH);
}

/** Forgets the options decided for the last query (its reply failed and is replaced by SERVFAIL without them). */
export function clearEdnsReply(): void {
  nsidReply = null;
  cookieInReply = cookieValid = false;
}
