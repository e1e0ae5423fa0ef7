// DNS query messages (one question, optionally an EDNS OPT record) and one query/answer exchange over UDP.
import dgram from "node:dgram";
import { DnsError } from "./errors";
import { CLASS_IN, RRType, typeToNumber } from "./rrtypes";
import { nameToWire } from "./wire";

const EDNS_DO = 0x8000; // the DO bit in the OPT record's TTL field (RFC 3225 §3)

/**
 * EDNS settings of {@link encodeQuestion}: `ednsPayload` adds an OPT record advertising that UDP payload size
 * (RFC 6891 §6.2.3), and `dnssecOk` sets its DO bit (RFC 3225), so it needs `ednsPayload`. Without, no OPT record.
 */
export type QuestionOptions = { ednsPayload?: undefined; dnssecOk?: false } | { ednsPayload: number; dnssecOk?: boolean };

/** An OPT pseudo-record for the additional section (RFC 6891 §6.1.2): root owner, no options. */
function optRecord(payload: number, dnssecOk: boolean): Buffer {
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(RRType.OPT, 1);
  opt.writeUInt16BE(payload, 3);
  opt.writeUInt32BE(dnssecOk ? EDNS_DO : 0, 5); // extended RCODE 0, version 0, flags
  return opt;
}

/**
 * Wire form of a query with message id `id` for `name` (presentation form; a missing final dot is added) and
 * `type` (number or mnemonic), class IN, all header flags 0: QUERY, no recursion desired (RFC 1035 §4.1.1).
 * Throws a {@link DnsError} for a name or type that is not valid.
 */
export function encodeQuestion(id: number, name: string, type: number | string, opts: QuestionOptions = {}): Buffer {
  const qname = nameToWire(name.endsWith(".") ? name : `${name}.`);
  const edns = opts.ednsPayload !== undefined;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT
  if (edns) header.writeUInt16BE(1, 10); // ARCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(typeof type === "number" ? type : typeToNumber(type), 0);
  question.writeUInt16BE(CLASS_IN, 2);
  const parts = [header, qname, question];
  if (opts.ednsPayload !== undefined) parts.push(optRecord(opts.ednsPayload, opts.dnssecOk === true));
  return Buffer.concat(parts);
}

/** A DNS server to ask, and how long to wait for its answer. */
export interface UdpQueryTarget {
  address: string;
  port: number;
  timeoutMs: number;
}

/**
 * Sends `query` over UDP from a fresh socket and resolves with the first datagram carrying the query's id;
 * rejects with a {@link DnsError} (`PDNSD_DNS_QUERY_FAILED`) on a socket error or when `timeoutMs` passes.
 */
export async function udpExchange(target: UdpQueryTarget, query: Buffer): Promise<Buffer> {
  const id = query.readUInt16BE(0);
  const socket = dgram.createSocket(target.address.includes(":") ? "udp6" : "udp4");
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DnsError("PDNSD_DNS_QUERY_FAILED", `no answer in ${target.timeoutMs} ms`)), target.timeoutMs);
      socket.on("error", (err) => {
        clearTimeout(timer);
        reject(new DnsError("PDNSD_DNS_QUERY_FAILED", err.message, { cause: err }));
      });
      socket.on("message", (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === id) {
          clearTimeout(timer);
          resolve(msg);
        }
      });
      socket.send(query, target.port, target.address);
    });
  } finally {
    socket.close();
  }
}
