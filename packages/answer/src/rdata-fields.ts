// Fields read out of wire RDATA at compile time: embedded names, RRSIG type covered, SOA and NSEC3 parameters.

import { readUncompressedName, RRType } from "@pdns-distribute/dns";
import type { DnsName } from "@pdns-distribute/dns";
import type { Nsec3Params } from "./types";

/** Offset of the embedded host name in the RDATA of types that need follow-up processing. */
export const TARGET_OFFSET: Readonly<Record<number, number>> = {
  [RRType.NS]: 0, // RFC 1035 §3.3.11
  [RRType.CNAME]: 0, // RFC 1035 §3.3.1
  [RRType.DNAME]: 0, // RFC 6672 §2.1
  [RRType.MX]: 2, // RFC 1035 §3.3.9
  [RRType.SRV]: 6, // RFC 2782
  [RRType.SVCB]: 2, // RFC 9460 §2.2: SvcPriority, TargetName
  [RRType.HTTPS]: 2, // RFC 9460 §9
};

/** The names embedded in the RDATAs of an RRset of `type` (CNAME/DNAME target, NS/MX/SRV/SVCB/HTTPS host); [] for others. */
export function rdataTargets(type: number, rdatas: readonly Buffer[]): DnsName[] {
  const offset = TARGET_OFFSET[type];
  if (offset === undefined) return [];
  const out: DnsName[] = [];
  for (const rdata of rdatas) {
    const { name } = readUncompressedName(rdata, offset);
    if (name.labels.length > 0 || type === RRType.CNAME || type === RRType.DNAME) out.push(name);
  }
  return out;
}


/**
 * Where compressible names sit in the RDATA of the types whose embedded names a server MAY compress: only the
 * well-known types of RFC 1035 (RFC 3597 §4). Value: `fixed octets before the first name * 4 + number of names`
 * (names follow each other; any rest of the RDATA is copied); 0 for every other type. So SRV (RFC 2782), NAPTR
 * (RFC 3403 §4), SVCB/HTTPS (RFC 9460 §2.2), DNAME (RFC 6672 §2.5), RRSIG signer and NSEC next name (RFC 4034 §3.1.7,
 * §4.1.1, §6.2) and RP/AFSDB/RT/PX (RFC 3597 §4: decompress only) are always written uncompressed.
 */
export const COMPRESSIBLE_NAMES: Uint8Array = (() => {
  const layout = new Uint8Array(256);
  for (const type of [RRType.NS, RRType.MD, RRType.MF, RRType.CNAME, RRType.MB, RRType.MG, RRType.MR, RRType.PTR]) {
    layout[type] = 1; // RFC 1035 §3.3: the RDATA is one name
  }
  layout[RRType.SOA] = 2; // RFC 1035 §3.3.13: MNAME, RNAME, then five 32-bit fields
  layout[RRType.MINFO] = 2; // RFC 1035 §3.3.7: RMAILBX, EMAILBX
  layout[RRType.MX] = 2 * 4 + 1; // RFC 1035 §3.3.9: PREFERENCE (16 bits), EXCHANGE
  return layout;
})();

/** SERIAL and MINIMUM of an SOA RDATA (RFC 1035 §3.3.13): the last 20 octets are five 32-bit fields. */
export function soaNumbers(rdata: Buffer): { serial: number; minimum: number } {
  return { serial: rdata.readUInt32BE(rdata.length - 20), minimum: rdata.readUInt32BE(rdata.length - 4) };
}

/** Hash algorithm, flags, iterations and salt at the start of an NSEC3 or NSEC3PARAM RDATA (RFC 5155 §3.2, §4.2). */
export function readNsec3Params(rdata: Buffer): Nsec3Params {
  const saltLength = rdata.readUInt8(4);
  return {
    algorithm: rdata.readUInt8(0),
    flags: rdata.readUInt8(1),
    iterations: rdata.readUInt16BE(2),
    salt: Buffer.from(rdata.subarray(5, 5 + saltLength)),
  };
}

/** Base32hex alphabet without padding (RFC 4648 §7), used for NSEC3 owner labels (RFC 5155 §3.3). */
const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** Decodes a base32hex label (case-insensitive); null when it is not valid base32hex. */
export function decodeBase32Hex(label: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of label.toLowerCase()) {
    const v = BASE32HEX.indexOf(ch);
    if (v < 0) return null;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

