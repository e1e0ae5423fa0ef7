// Conversion of records decoded by dns-packet (e.g. from an AXFR response) into ZoneRecords.

import * as dnsPacket from "dns-packet";
import { RdataError } from "./errors";
import { normalizeName } from "./names";
import { rdataFromWire } from "./rdata";
import { numberToType, typeToNumber } from "./rrtypes";
import type { ZoneRecord } from "./types";
import { WireReader } from "./wire";

/** The parts of dns-packet used here that @types/dns-packet does not declare. */
interface PacketInternals {
  name: { encode(name: string): Buffer };
  record(type: string): { encode(data: unknown): Buffer };
}

const internals = dnsPacket as unknown as PacketInternals;

const TXT = 16;

/** The type number of a dns-packet type string: a mnemonic, "UNKNOWN_<n>" (dns-packet) or "TYPE<n>". */
function packetTypeNumber(type: string): number {
  const unknown = /^UNKNOWN_([0-9]{1,5})$/i.exec(type);
  return unknown ? Number(unknown[1]) : typeToNumber(type);
}

/** A copy of decoded data that dns-packet's encoder can take without altering it (and without mutating the input). */
function encodableCopy(data: unknown): unknown {
  if (Array.isArray(data)) return [...(data as unknown[])];
  if (data !== null && typeof data === "object" && !Buffer.isBuffer(data)) {
    // dns-packet's CAA encoder overwrites `flags` with 128 when `issuerCritical` is set: keep the decoded flags.
    return { ...(data as Record<string, unknown>), issuerCritical: false };
  }
  return data;
}

/**
 * Converts one answer decoded by dns-packet into a {@link ZoneRecord}: the data is re-encoded to uncompressed wire
 * form with dns-packet's codec for the type (raw `Buffer` data of types dns-packet does not know, decoded as
 * "UNKNOWN_<n>", is taken as is) and printed with {@link rdataFromWire}. The owner name is normalized.
 * Limitation: dns-packet decodes labels and character-strings as UTF-8 text, so octets that are not valid UTF-8,
 * and dots inside labels, do not survive its decoding. Throws {@link RdataError} for OPT, classes other than IN,
 * or data that cannot be encoded.
 */
export function recordFromPacketAnswer(answer: dnsPacket.Answer): ZoneRecord {
  if (answer.type === "OPT") throw new RdataError("an OPT pseudo-record is not a zone record");
  if (answer.class !== undefined && answer.class !== "IN") {
    throw new RdataError(`record ${answer.name} ${answer.type} has class ${answer.class}; only IN is supported`);
  }
  let typeNumber: number;
  let ownerWire: Buffer;
  let rdata: Buffer;
  try {
    typeNumber = packetTypeNumber(answer.type);
    ownerWire = internals.name.encode(answer.name);
    const data: unknown = answer.data;
    if (Buffer.isBuffer(data) && typeNumber !== TXT) {
      rdata = data;
    } else {
      const encoded = internals.record(answer.type).encode(encodableCopy(data));
      rdata = encoded.subarray(2, 2 + encoded.readUInt16BE(0));
    }
  } catch (err) {
    throw new RdataError(`cannot encode record ${answer.name} ${answer.type}: ${(err as Error).message}`, { cause: err });
  }
  return {
    name: normalizeName(new WireReader(ownerWire).name()),
    type: numberToType(typeNumber),
    ttl: answer.ttl ?? 0,
    rdata: rdataFromWire(typeNumber, Buffer.from(rdata)),
  };
}
