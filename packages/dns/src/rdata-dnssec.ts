// RDATA codecs of the DNSSEC and key/fingerprint types: DS, DNSKEY, RRSIG, NSEC, NSEC3(PARAM), TLSA, SSHFP, ZONEMD, CSYNC.

import type { Fields, RdataCodec } from "./codec";
import { RdataError } from "./errors";
import {
  formatBase32Hex,
  formatHex,
  formatTime,
  parseBase32Hex,
  parseBase64,
  parseHex,
  parseTime,
} from "./presentation";
import { numberToType, typeToNumber } from "./rrtypes";
import type { WireReader, WireWriter } from "./wire";

/** Writes an RFC 4034 §4.1.2 type bitmap for the given type mnemonics/TYPEnnn fields. */
function encodeTypeBitmap(fields: Fields, out: WireWriter): void {
  const windows = new Map<number, number[]>();
  for (const t of fields.rest()) {
    if (t.quoted) throw new RdataError(`type "${t.text}" in the type bitmap must not be quoted`);
    const n = typeToNumber(t.text);
    const win = n >> 8;
    const bits = windows.get(win) ?? [];
    const octet = (n & 0xff) >> 3;
    while (bits.length <= octet) bits.push(0);
    bits[octet] = (bits[octet] ?? 0) | (0x80 >> (n & 7));
    windows.set(win, bits);
  }
  for (const [win, bits] of [...windows].sort(([a], [b]) => a - b)) {
    out.u8(win).u8(bits.length).bytes(Buffer.from(bits));
  }
}

/** Reads a type bitmap (the rest of the RDATA) and returns the types, ascending; rejects non-canonical bitmaps. */
function decodeTypeBitmap(input: WireReader): string[] {
  const types: string[] = [];
  let lastWindow = -1;
  while (input.remaining > 0) {
    const win = input.u8();
    const len = input.u8();
    if (win <= lastWindow) throw new RdataError("type bitmap windows not in ascending order");
    if (len < 1 || len > 32) throw new RdataError(`type bitmap window length ${len} out of range`);
    const bits = input.bytes(len);
    if (bits[len - 1] === 0) throw new RdataError("type bitmap window has trailing zero octets");
    bits.forEach((b, i) => {
      for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) types.push(numberToType((win << 8) | (i << 3) | j));
    });
    lastWindow = win;
  }
  return types;
}

const join = (...parts: string[]): string => parts.filter((p) => p !== "").join(" ");

/** Hex field(s) that may be empty only as "-" (NSEC3 salt). */
function parseSalt(text: string): Buffer {
  return text === "-" ? Buffer.alloc(0) : parseHex(text, "salt");
}

/** Reads a non-empty remainder of the RDATA (a digest, key or signature). */
function nonEmptyRest(input: WireReader, what: string): Buffer {
  const rest = input.rest();
  if (rest.length === 0) throw new RdataError(`empty ${what}`);
  return rest;
}

/** DS and CDS: key tag, algorithm, digest type, digest (hex). */
export const dsCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "key tag")).u8(f.uint(0xff, "algorithm")).u8(f.uint(0xff, "digest type"));
    out.bytes(parseHex(f.joinRest("digest"), "digest"));
  },
  decode(r) {
    return join(String(r.u16()), String(r.u8()), String(r.u8()), formatHex(nonEmptyRest(r, "digest")));
  },
};

/** DNSKEY and CDNSKEY: flags, protocol, algorithm, public key (base64). */
export const dnskeyCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "flags")).u8(f.uint(0xff, "protocol")).u8(f.uint(0xff, "algorithm"));
    out.bytes(parseBase64(f.joinRest("public key"), "public key"));
  },
  decode(r) {
    return join(String(r.u16()), String(r.u8()), String(r.u8()), nonEmptyRest(r, "public key").toString("base64"));
  },
};

/** RRSIG: type covered, algorithm, labels, original TTL, expiration, inception, key tag, signer, signature. */
export const rrsigCodec: RdataCodec = {
  encode(f, out) {
    const covered = f.next("type covered");
    if (covered.quoted) throw new RdataError("type covered must not be quoted");
    out.u16(typeToNumber(covered.text)).u8(f.uint(0xff, "algorithm")).u8(f.uint(0xff, "labels"));
    out.u32(f.uint(0xffffffff, "original TTL"));
    out.u32(parseTime(f.next("signature expiration"), "signature expiration"));
    out.u32(parseTime(f.next("signature inception"), "signature inception"));
    out.u16(f.uint(0xffff, "key tag")).name(f.name("signer's name"));
    out.bytes(parseBase64(f.joinRest("signature"), "signature"));
  },
  decode(r) {
    const head = [numberToType(r.u16()), r.u8(), r.u8(), r.u32(), formatTime(r.u32()), formatTime(r.u32()), r.u16()];
    return join(...head.map(String), r.name(), nonEmptyRest(r, "signature").toString("base64"));
  },
};

/** NSEC: next domain name and type bitmap. */
export const nsecCodec: RdataCodec = {
  encode(f, out) {
    out.name(f.name("next domain name"));
    encodeTypeBitmap(f, out);
  },
  decode(r) {
    return join(r.name(), ...decodeTypeBitmap(r));
  },
};

/** NSEC3: hash algorithm, flags, iterations, salt (hex or "-"), next hashed owner (base32hex), type bitmap. */
export const nsec3Codec: RdataCodec = {
  encode(f, out) {
    out.u8(f.uint(0xff, "hash algorithm")).u8(f.uint(0xff, "flags")).u16(f.uint(0xffff, "iterations"));
    const salt = parseSalt(f.name("salt"));
    if (salt.length > 255) throw new RdataError("salt longer than 255 octets");
    out.u8(salt.length).bytes(salt);
    const next = parseBase32Hex(f.name("next hashed owner name"), "next hashed owner name");
    if (next.length < 1 || next.length > 255) throw new RdataError("next hashed owner name has a bad length");
    out.u8(next.length).bytes(next);
    encodeTypeBitmap(f, out);
  },
  decode(r) {
    const head = [r.u8(), r.u8(), r.u16()].map(String);
    const salt = r.charString();
    const next = r.charString();
    if (next.length === 0) throw new RdataError("empty next hashed owner name");
    return join(...head, salt.length ? formatHex(salt) : "-", formatBase32Hex(next), ...decodeTypeBitmap(r));
  },
};

/** NSEC3PARAM: hash algorithm, flags, iterations, salt (hex or "-"). */
export const nsec3paramCodec: RdataCodec = {
  encode(f, out) {
    out.u8(f.uint(0xff, "hash algorithm")).u8(f.uint(0xff, "flags")).u16(f.uint(0xffff, "iterations"));
    const salt = parseSalt(f.name("salt"));
    if (salt.length > 255) throw new RdataError("salt longer than 255 octets");
    out.u8(salt.length).bytes(salt);
    f.end();
  },
  decode(r) {
    const head = [r.u8(), r.u8(), r.u16()].map(String);
    const salt = r.charString();
    return join(...head, salt.length ? formatHex(salt) : "-");
  },
};

/** TLSA and SMIMEA: usage, selector, matching type, certificate association data (hex). */
export const tlsaCodec: RdataCodec = {
  encode(f, out) {
    out.u8(f.uint(0xff, "usage")).u8(f.uint(0xff, "selector")).u8(f.uint(0xff, "matching type"));
    out.bytes(parseHex(f.joinRest("certificate association data"), "certificate association data"));
  },
  decode(r) {
    return join(String(r.u8()), String(r.u8()), String(r.u8()), formatHex(nonEmptyRest(r, "certificate data")));
  },
};

/** SSHFP: algorithm, fingerprint type, fingerprint (hex). */
export const sshfpCodec: RdataCodec = {
  encode(f, out) {
    out.u8(f.uint(0xff, "algorithm")).u8(f.uint(0xff, "fingerprint type"));
    out.bytes(parseHex(f.joinRest("fingerprint"), "fingerprint"));
  },
  decode(r) {
    return join(String(r.u8()), String(r.u8()), formatHex(nonEmptyRest(r, "fingerprint")));
  },
};

/** ZONEMD: serial, scheme, hash algorithm, digest (hex). */
export const zonemdCodec: RdataCodec = {
  encode(f, out) {
    out.u32(f.uint(0xffffffff, "serial")).u8(f.uint(0xff, "scheme")).u8(f.uint(0xff, "hash algorithm"));
    out.bytes(parseHex(f.joinRest("digest"), "digest"));
  },
  decode(r) {
    return join(String(r.u32()), String(r.u8()), String(r.u8()), formatHex(nonEmptyRest(r, "digest")));
  },
};

/** CSYNC: SOA serial, flags, type bitmap. */
export const csyncCodec: RdataCodec = {
  encode(f, out) {
    out.u32(f.uint(0xffffffff, "SOA serial")).u16(f.uint(0xffff, "flags"));
    encodeTypeBitmap(f, out);
  },
  decode(r) {
    return join(String(r.u32()), String(r.u16()), ...decodeTypeBitmap(r));
  },
};
