// TSIG (RFC 8945) on queries: the secondaries hold no TSIG keys, so a signed query gets NOTAUTH with error BADKEY.

import { RRType } from "@pdns-distribute/dns";

/** TSIG error BADKEY: the key is not recognised (RFC 8945 §5.2, IANA "TSIG/TKEY RR Error"). */
export const TSIG_BADKEY = 17;
/** Class ANY, which a TSIG record carries (RFC 8945 §4.2). */
const CLASS_ANY = 255;

/** End of an uncompressed name at `at` (TSIG names are never compressed, RFC 8945 §4.2), or -1. */
function uncompressedNameEnd(msg: Buffer, at: number, limit: number): number {
  let pos = at;
  while (pos < limit) {
    const len = msg[pos] ?? 0;
    if (len === 0) return pos + 1;
    if (len > 63) return -1;
    pos += 1 + len;
  }
  return -1;
}

/**
 * The TSIG record of the error response to a query whose TSIG record is `msg[start .. end)` with RDATA from
 * `rdata`: same key name, algorithm, Time Signed, Fudge and Original ID, error BADKEY, and no MAC — the
 * response is unsigned, as RFC 8945 §5.3.2 asks when the key is unknown. Null when the record is malformed (FORMERR).
 */
export function tsigBadKeyRecord(msg: Buffer, start: number, rdata: number, end: number): Buffer | null {
  const ownerEnd = uncompressedNameEnd(msg, start, rdata - 10);
  if (ownerEnd !== rdata - 10) return null;
  const algEnd = uncompressedNameEnd(msg, rdata, end);
  // Time Signed (6), Fudge (2), MAC Size (2), MAC, Original ID (2), Error (2), Other Len (2), Other Data.
  if (algEnd < 0 || algEnd + 10 > end) return null;
  const macEnd = algEnd + 10 + msg.readUInt16BE(algEnd + 8);
  if (macEnd + 6 > end || macEnd + 6 + msg.readUInt16BE(macEnd + 4) !== end) return null;
  const owner = msg.subarray(start, ownerEnd);
  const rdataOut = Buffer.concat([msg.subarray(rdata, algEnd + 8), Buffer.from([0, 0]), msg.subarray(macEnd, macEnd + 2), Buffer.from([0, TSIG_BADKEY, 0, 0])]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(RRType.TSIG, 0);
  fixed.writeUInt16BE(CLASS_ANY, 2);
  fixed.writeUInt32BE(0, 4); // TTL 0
  fixed.writeUInt16BE(rdataOut.length, 8);
  return Buffer.concat([owner, fixed, rdataOut]);
}
