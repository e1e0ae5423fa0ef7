// Zone transfer out (AXFR, RFC 5936) over TCP from the compiled zone, for peers on the allow-list only.

import { CLASS_IN, RRType } from "@pdns-distribute/dns";
import { NameFlag } from "./name-table";
import type { CompiledZone } from "./types";
import { rrEnd, rrFirst } from "./zone-view";
import { answerQuery } from "./wire";
import type { AnswerContext } from "./wire";
import { MessageWriter } from "./wire-encode";
import { Decoded, decodeQuery, DecodedQuery } from "./wire-query";

/** Largest message of a transfer stream (RFC 5936 §2.2: each message fits the 2-byte TCP length). */
const MAX_TRANSFER_MESSAGE = 65535;

const QR = 0x8000;
const AA = 0x0400;
const RD = 0x0100;

const query = new DecodedQuery();

/**
 * Answers one message received over TCP. When `transferAllowed` and the message is an AXFR (or IXFR, answered
 * with a full transfer as RFC 1995 §4 allows) for the apex of a served zone, returns the transfer stream;
 * otherwise the one response of {@link answerQuery} (which REFUSES transfers). Null: drop the message.
 */
export function answerTcpQuery(message: Buffer, ctx: AnswerContext, transferAllowed: boolean): Buffer[] | null {
  if (transferAllowed && decodeQuery(message, query) === Decoded.Query && isTransfer(query)) {
    const zone = ctx.zones.find(query.qname);
    if (zone !== undefined && zone.originWire.length === query.qname.len) return transferMessages(query, zone);
    // Refused for another reason than the allow-list (not a zone apex): no EDE "Prohibited" (RFC 8914 §4.19).
    const response = answerQuery(message, { ...ctx, transferAllowed: true });
    return response === null ? null : [response];
  }
  const response = answerQuery(message, ctx);
  return response === null ? null : [response];
}

/** An AXFR or IXFR query of class IN without an unsupported EDNS version. */
function isTransfer(q: DecodedQuery): boolean {
  const type = q.qtype;
  // A signed transfer request goes to answerQuery, which answers BADKEY (RFC 8945 §5.2): we hold no keys.
  return (type === RRType.AXFR || type === RRType.IXFR) && q.qclass === CLASS_IN && (!q.edns || q.ednsVersion === 0) && q.tsig < 0;
}

/**
 * The AXFR response stream of `zone` (RFC 5936 §2.2): the SOA first, every other RRset (RRSIGs and the NSEC3
 * chain included), the SOA again last. The question is in the first message only (§2.2.1); AA is set.
 */
export function transferMessages(q: DecodedQuery, zone: CompiledZone): Buffer[] {
  const messages: Buffer[] = [];
  const flags = QR | AA | (q.flags & RD);
  const writer = new MessageWriter();
  writer.begin(MAX_TRANSFER_MESSAGE, zone);
  writer.writeQuestion(q.msg, q.questionEnd, q.qname);
  let qdcount = 1;
  let empty = true;
  const flush = (): void => {
    messages.push(writer.finish(q.id, flags, qdcount));
    writer.begin(MAX_TRANSFER_MESSAGE, zone);
    qdcount = 0;
    empty = true;
  };
  const put = (r: number, owner: number): void => {
    if (writer.writeRRset(r, owner) || (!empty && (flush(), writer.writeRRset(r, owner)))) {
      empty = false;
      return;
    }
    // One RRset larger than a message: send its records one by one (RFC 5936 §2.2 allows splitting RRsets).
    for (let k = 0; k < (zone.rrCount[r] ?? 0); k++) {
      if (!writer.writeOneRecord(r, owner, k)) {
        flush();
        writer.writeOneRecord(r, owner, k);
      }
      empty = false;
    }
  };
  put(zone.soa, 0);
  // The zone's own names first (apex first), then the NSEC3 owners.
  for (const nsec3 of [0, NameFlag.Nsec3]) {
    for (let id = 0; id < zone.names.count; id++) {
      if (((zone.names.flags[id] ?? 0) & NameFlag.Nsec3) !== nsec3) continue;
      for (let r = rrFirst(zone, id); r < rrEnd(zone, id); r++) if (r !== zone.soa) put(r, id);
    }
  }
  put(zone.soa, 0);
  flush();
  return messages;
}
