// The options a reply's OPT carries for a query that asked: NSID (RFC 5001) and, later, the DNS cookie (RFC 7873).
// Only queries whose OPT has options come here, so the hot path (no options) pays one comparison in wire.ts.

import { EdnsRequest, OptionCode, readEdnsOptions } from "./edns-options";
import type { MessageWriter } from "./wire-encode";
import type { DecodedQuery } from "./wire-query";

/** Option header: OPTION-CODE and OPTION-LENGTH (RFC 6891 §6.1.2). */
const OPTION_HEADER = 4;

/** The query's options (reused, answering is synchronous). */
const request = new EdnsRequest();
/** The NSID to send in this reply, or null. */
let nsidReply: Buffer | null = null;

/**
 * Reads the options of `q`'s OPT and decides the reply's: returns the octets they will take in the reply's OPT
 * (the caller reserves them), or -1 when the reply must be FORMERR (edns-options.ts). `nsid`: our identifier
 * (null: NSID off; RFC 5001 §2.1: sent only to a query that carried the option).
 */
export function prepareEdnsReply(q: DecodedQuery, nsid: Buffer | null): number {
  nsidReply = null;
  if (!readEdnsOptions(q.msg, q.optData, q.optEnd, request)) return -1;
  let size = 0;
  if (request.nsid && nsid !== null) {
    nsidReply = nsid;
    size += OPTION_HEADER + nsid.length;
  }
  return size;
}

/** Appends the options {@link prepareEdnsReply} decided to the OPT record `writer` wrote last. */
export function writeEdnsReply(writer: MessageWriter): void {
  if (nsidReply !== null) writer.appendOptOption(OptionCode.Nsid, nsidReply, 0, nsidReply.length);
}

/** Forgets the options decided for the last query (its reply failed and is replaced by SERVFAIL without them). */
export function clearEdnsReply(): void {
  nsidReply = null;
}
