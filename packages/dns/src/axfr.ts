// AXFR client over TCP: sends the query, reassembles length-framed responses, collects the zone's records.

import * as net from "node:net";
import { randomInt } from "node:crypto";
import * as dnsPacket from "dns-packet";
import { AxfrError } from "./errors";
import { readMessageAnswers } from "./message-records";
import type { WireRecord } from "./message-records";
import { formatNameLabels, lowerLabel, normalizeName, parseNameText } from "./names";
import { recordFromPacketAnswer } from "./packet-records";
import { encodeQuestion } from "./query";
import { rdataFromWire, rdataToWire } from "./rdata";
import { numberToType, typeToNumber } from "./rrtypes";
import type { ZoneRecord } from "./types";

/** Options of {@link axfr}. */
export interface AxfrOptions {
  /** Server address or host name. */
  host: string;
  /** Server TCP port (53 for a standard server). */
  port: number;
  /** Zone to transfer, e.g. "example.org." (trailing dot optional). */
  zone: string;
  /** Inactivity timeout in milliseconds: connecting, and each wait for more data (default 10000). */
  timeoutMs?: number;
}

/** Response codes meaning "this server does not serve the zone". */
const NOT_FOUND_RCODES = new Set(["REFUSED", "NOTAUTH", "NXDOMAIN"]);
/** RCODE mnemonics (RFC 1035 §4.1.1, RFC 2136 §2.2). */
const RCODE_NAMES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];
const SOA_TYPE = 6;
const AXFR_TYPE = 252;

/** Builds the AXFR query message with its 2-octet TCP length prefix. */
export function buildAxfrQuery(zone: string, id: number): Buffer {
  const query = encodeQuestion(id, zone, AXFR_TYPE);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(query.length);
  return Buffer.concat([length, query]);
}

/** Splits complete length-prefixed messages off the front of `buf`; returns them and the incomplete remainder. */
export function splitTcpMessages(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buf.length - offset >= 2) {
    const len = buf.readUInt16BE(offset);
    if (buf.length - offset - 2 < len) break;
    messages.push(buf.subarray(offset + 2, offset + 2 + len));
    offset += 2 + len;
  }
  return { messages, rest: buf.subarray(offset) };
}

/** A record converted from dns-packet's decoding to wire form (the fallback path, see decodeMessage). */
function wireRecordOf(record: ZoneRecord): WireRecord {
  return {
    owner: parseNameText(record.name).labels.map(lowerLabel),
    type: typeToNumber(record.type),
    ttl: record.ttl,
    rdata: rdataToWire(record.type, record.rdata),
  };
}

/**
 * Id, RCODE and answers of one response message, read straight from wire form; a message that reader refuses
 * is decoded with dns-packet instead (a second opinion before failing the transfer).
 */
function decodeMessage(message: Buffer): { id: number; rcode: string; answers: WireRecord[] } {
  try {
    const m = readMessageAnswers(message);
    return { id: m.id, rcode: RCODE_NAMES[m.rcode] ?? `RCODE${m.rcode}`, answers: m.answers };
  } catch (fastErr) {
    const packet = dnsPacket.decode(message) as dnsPacket.DecodedPacket & { rcode?: string };
    const answers = (packet.answers ?? []).map((a) => wireRecordOf(recordFromPacketAnswer(a)));
    if (answers.length === 0 && (packet.answers ?? []).length === 0 && (packet.rcode ?? "NOERROR") === "NOERROR") throw fastErr;
    return { id: packet.id ?? -1, rcode: packet.rcode ?? "NOERROR", answers };
  }
}

/** Accumulates the records of successive AXFR response messages until the closing SOA. */
class TransferState {
  readonly records: WireRecord[] = [];
  done = false;
  private readonly zoneLabels: Buffer[];
  constructor(
    private readonly zone: string,
    private readonly id: number,
    private readonly where: string,
  ) {
    this.zoneLabels = parseNameText(zone).labels.map(lowerLabel);
  }

  /** Whether `owner` is the zone's apex. */
  private isApex(owner: readonly Buffer[]): boolean {
    return owner.length === this.zoneLabels.length && owner.every((l, i) => this.zoneLabels[i]?.equals(l) === true);
  }

  /** Processes one response message; throws {@link AxfrError} on an error answer or a malformed transfer. */
  accept(message: Buffer): void {
    let decoded: { id: number; rcode: string; answers: WireRecord[] };
    try {
      decoded = decodeMessage(message);
    } catch (err) {
      throw new AxfrError(`malformed AXFR response ${this.where}: ${(err as Error).message}`, { cause: err });
    }
    if (decoded.id !== this.id) throw new AxfrError(`AXFR response ${this.where} has id ${decoded.id}, expected ${this.id}`);
    const rcode = decoded.rcode;
    if (rcode !== "NOERROR") {
      const notFound = NOT_FOUND_RCODES.has(rcode);
      const why = notFound ? "the server does not serve the zone" : "the server answered with an error";
      throw new AxfrError(`AXFR ${this.where} failed with ${rcode}: ${why}`, { rcode, notFound });
    }
    const answers = decoded.answers;
    if (this.records.length === 0 && answers.length === 0) throw new AxfrError(`empty AXFR response ${this.where}`);
    for (const record of answers) {
      const isSoa = record.type === SOA_TYPE && this.isApex(record.owner);
      if (this.records.length === 0 && !isSoa) {
        throw new AxfrError(`AXFR response ${this.where} does not start with the SOA of ${this.zone}`);
      }
      if (isSoa && this.records.length > 0) {
        this.done = true;
        return;
      }
      this.records.push(record);
    }
  }
}

/**
 * Transfers a zone with AXFR over TCP and returns its records in transfer order, the SOA first (once: the
 * closing copy of the SOA is dropped). Throws {@link AxfrError}: with `rcode` and `notFound` (REFUSED, NOTAUTH,
 * NXDOMAIN) for an error answer; with `cause` for connection errors; also on timeout, early close or a malformed
 * response. The socket is always destroyed.
 */
export async function axfr(options: AxfrOptions): Promise<ZoneRecord[]> {
  const records = await axfrWire(options);
  try {
    return records.map((r) => ({ name: formatNameLabels(r.owner), type: numberToType(r.type), ttl: r.ttl, rdata: rdataFromWire(r.type, r.rdata) }));
  } catch (err) {
    throw new AxfrError(`unusable record in AXFR of ${normalizeName(options.zone)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Like {@link axfr}, but returns the records in wire form (lower-case owner labels, uncompressed RDATA), for
 * {@link renderZoneTextFromWire}: no presentation text is made or parsed, which is most of the cost of a large zone.
 */
export function axfrWire(options: AxfrOptions): Promise<WireRecord[]> {
  const zone = normalizeName(options.zone);
  const timeoutMs = options.timeoutMs ?? 10000;
  const where = `of ${zone} from ${options.host}:${options.port}`;
  const id = randomInt(0, 0x10000);
  const state = new TransferState(zone, id, where);
  const query = buildAxfrQuery(zone, id);

  return new Promise<WireRecord[]>((resolve, reject) => {
    let pending: Buffer = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host: options.host, port: options.port });
    socket.setTimeout(timeoutMs);
    const finish = (err: AxfrError | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (err) reject(err);
      else resolve(state.records);
    };
    socket.on("connect", () => socket.write(query));
    socket.on("data", (chunk: Buffer) => {
      if (settled) return;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const { messages, rest } = splitTcpMessages(pending);
      pending = rest;
      try {
        for (const m of messages) {
          state.accept(m);
          if (state.done) return finish(null);
        }
      } catch (err) {
        finish(err instanceof AxfrError ? err : new AxfrError(`AXFR ${where} failed: ${(err as Error).message}`, { cause: err }));
      }
    });
    socket.on("timeout", () => {
      const phase = socket.connecting ? "connecting" : `waiting for data (${state.records.length} records so far)`;
      finish(new AxfrError(`AXFR ${where} timed out after ${timeoutMs} ms ${phase}`));
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const what = err.code === "ECONNREFUSED" ? "connection refused" : err.message;
      finish(new AxfrError(`AXFR ${where} failed: ${what}`, { cause: err }));
    });
    socket.on("close", () => {
      finish(new AxfrError(`AXFR ${where}: connection closed before the end of the transfer (${state.records.length} records received)`));
    });
  });
}
