// RDATA presentation ↔ wire conversion for every supported type, with the RFC 3597 generic form as fallback.

import type { RdataCodec } from "./codec";
import { Fields } from "./codec";
import { RdataError } from "./errors";
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from "./ip";
import { formatHex, formatQuoted, parseBase64, parseHex, parseUint, tokenize } from "./presentation";
import {
  csyncCodec,
  dnskeyCodec,
  dsCodec,
  nsec3Codec,
  nsec3paramCodec,
  nsecCodec,
  rrsigCodec,
  sshfpCodec,
  tlsaCodec,
  zonemdCodec,
} from "./rdata-dnssec";
import { numberToType, typeToNumber } from "./rrtypes";
import { WireReader, WireWriter } from "./wire";

/** A single domain name (NS, CNAME, DNAME, PTR and the obsolete MB/MD/MF/MG/MR). */
const nameCodec: RdataCodec = {
  encode(f, out) {
    out.name(f.name("domain name"));
  },
  decode: (r) => r.name(),
};

/** A 16-bit preference followed by a name (MX, AFSDB, KX, RT). */
const prefNameCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "preference")).name(f.name("domain name"));
  },
  decode: (r) => `${r.u16()} ${r.name()}`,
};

/** Two names (RP: mailbox and TXT domain). */
const twoNamesCodec: RdataCodec = {
  encode(f, out) {
    out.name(f.name("mailbox")).name(f.name("domain name"));
  },
  decode: (r) => `${r.name()} ${r.name()}`,
};

const aCodec: RdataCodec = {
  encode(f, out) {
    out.bytes(parseIPv4(f.name("IPv4 address")));
  },
  decode: (r) => formatIPv4(r.bytes(4)),
};

const aaaaCodec: RdataCodec = {
  encode(f, out) {
    out.bytes(parseIPv6(f.name("IPv6 address")));
  },
  decode: (r) => formatIPv6(r.bytes(16)),
};

/** One or more character-strings (TXT, SPF). */
const txtCodec: RdataCodec = {
  encode(f, out) {
    if (!f.more) throw new RdataError("at least one character-string is required");
    while (f.more) out.charString(f.octets("character-string"));
  },
  decode(r) {
    if (r.remaining === 0) throw new RdataError("empty TXT RDATA");
    const parts: string[] = [];
    while (r.remaining > 0) parts.push(formatQuoted(r.charString()));
    return parts.join(" ");
  },
};

const soaCodec: RdataCodec = {
  encode(f, out) {
    out.name(f.name("primary name server")).name(f.name("responsible mailbox"));
    for (const what of ["serial", "refresh", "retry", "expire", "minimum"]) out.u32(f.uint(0xffffffff, what));
  },
  decode: (r) => [r.name(), r.name(), r.u32(), r.u32(), r.u32(), r.u32(), r.u32()].join(" "),
};

const srvCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "priority")).u16(f.uint(0xffff, "weight")).u16(f.uint(0xffff, "port"));
    out.name(f.name("target"));
  },
  decode: (r) => [r.u16(), r.u16(), r.u16(), r.name()].join(" "),
};

const CAA_TAG = /^[A-Za-z0-9]+$/;

const caaCodec: RdataCodec = {
  encode(f, out) {
    out.u8(f.uint(0xff, "flags"));
    const tag = f.name("tag");
    if (!CAA_TAG.test(tag) || tag.length > 255) throw new RdataError(`CAA tag "${tag}" must be alphanumeric`);
    out.charString(Buffer.from(tag, "ascii")).bytes(f.octets("value"));
  },
  decode(r) {
    const flags = r.u8();
    const tag = r.charString().toString("latin1");
    if (!CAA_TAG.test(tag)) throw new RdataError("CAA tag is not alphanumeric");
    return `${flags} ${tag} ${formatQuoted(r.rest())}`;
  },
};

const hinfoCodec: RdataCodec = {
  encode(f, out) {
    out.charString(f.octets("CPU")).charString(f.octets("OS"));
  },
  decode: (r) => `${formatQuoted(r.charString())} ${formatQuoted(r.charString())}`,
};

const naptrCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "order")).u16(f.uint(0xffff, "preference"));
    out.charString(f.octets("flags")).charString(f.octets("services")).charString(f.octets("regexp"));
    out.name(f.name("replacement"));
  },
  decode(r) {
    const head = [r.u16(), r.u16()].map(String);
    const strings = [r.charString(), r.charString(), r.charString()].map(formatQuoted);
    return [...head, ...strings, r.name()].join(" ");
  },
};

const uriCodec: RdataCodec = {
  encode(f, out) {
    out.u16(f.uint(0xffff, "priority")).u16(f.uint(0xffff, "weight")).bytes(f.octets("target"));
  },
  decode: (r) => `${r.u16()} ${r.u16()} ${formatQuoted(r.rest())}`,
};

/** Base64 data only (OPENPGPKEY, DHCID). */
const base64Codec: RdataCodec = {
  encode(f, out) {
    out.bytes(parseBase64(f.joinRest("base64 data"), "base64 data"));
  },
  decode(r) {
    const data = r.rest();
    if (data.length === 0) throw new RdataError("empty RDATA");
    return data.toString("base64");
  },
};

/** Codec per type mnemonic; types not listed only have the generic form. */
const CODECS: ReadonlyMap<string, RdataCodec> = new Map<string, RdataCodec>([
  ["A", aCodec], ["AAAA", aaaaCodec],
  ["NS", nameCodec], ["CNAME", nameCodec], ["DNAME", nameCodec], ["PTR", nameCodec],
  ["MD", nameCodec], ["MF", nameCodec], ["MB", nameCodec], ["MG", nameCodec], ["MR", nameCodec],
  ["MX", prefNameCodec], ["AFSDB", prefNameCodec], ["KX", prefNameCodec], ["RT", prefNameCodec],
  ["RP", twoNamesCodec], ["SOA", soaCodec], ["SRV", srvCodec], ["NAPTR", naptrCodec],
  ["TXT", txtCodec], ["SPF", txtCodec], ["HINFO", hinfoCodec], ["CAA", caaCodec], ["URI", uriCodec],
  ["DS", dsCodec], ["CDS", dsCodec], ["DNSKEY", dnskeyCodec], ["CDNSKEY", dnskeyCodec],
  ["RRSIG", rrsigCodec], ["NSEC", nsecCodec], ["NSEC3", nsec3Codec], ["NSEC3PARAM", nsec3paramCodec],
  ["TLSA", tlsaCodec], ["SMIMEA", tlsaCodec], ["SSHFP", sshfpCodec], ["ZONEMD", zonemdCodec],
  ["CSYNC", csyncCodec], ["OPENPGPKEY", base64Codec], ["DHCID", base64Codec],
]);

/** True when `type` has a dedicated presentation format (otherwise only `\# <len> <hex>` is used). */
export function hasTypedPresentation(type: string | number): boolean {
  return CODECS.has(typeof type === "number" ? numberToType(type) : numberToType(typeToNumber(type)));
}

/** Prints RDATA octets in the RFC 3597 generic form `\# <len> <HEX>` ("\# 0" when empty). */
export function formatGenericRdata(wire: Buffer): string {
  return wire.length === 0 ? "\\# 0" : `\\# ${wire.length} ${formatHex(wire)}`;
}

function parseGeneric(f: Fields): Buffer {
  f.next("\\#");
  const len = parseUint(f.next("RDATA length"), 0xffff, "RDATA length");
  const data = parseHex(f.joinRest("hex RDATA"), "hex RDATA", true);
  if (data.length !== len) throw new RdataError(`generic RDATA declares ${len} octets but holds ${data.length}`);
  return data;
}

/** Where {@link rdataToWire} writes (synchronously, one call at a time) before copying the RDATA out. */
const scratch = Buffer.alloc(1024);

/**
 * Converts RDATA from presentation form to uncompressed wire form (names are written as given, case kept).
 * Accepts the type's own format or, for any type, the RFC 3597 generic form `\# <len> <hex>`.
 * Throws {@link RdataError} on an unknown type or invalid RDATA.
 */
export function rdataToWire(type: string, rdata: string): Buffer {
  const mnemonic = numberToType(typeToNumber(type));
  try {
    const tokens = tokenize(rdata);
    const fields = new Fields(tokens);
    if (tokens[0] !== undefined && !tokens[0].quoted && tokens[0].text === "\\#") return parseGeneric(fields);
    const codec = CODECS.get(mnemonic);
    if (codec === undefined) throw new RdataError(`type ${mnemonic} has no presentation format here; use "\\# <len> <hex>"`);
    const out = new WireWriter(scratch);
    codec.encode(fields, out);
    fields.end();
    const wire = out.toBuffer();
    if (wire.length > 0xffff) throw new RdataError(`RDATA is ${wire.length} octets long (max 65535)`);
    return wire;
  } catch (err) {
    if (!(err instanceof RdataError)) throw err;
    throw new RdataError(`invalid ${mnemonic} RDATA "${rdata}": ${err.message}`, { cause: err });
  }
}

/**
 * Converts uncompressed wire RDATA to presentation form (as dig/BIND print it, on one line). Octets that the
 * type's format cannot represent exactly (malformed, or non-canonical like a padded type bitmap) are printed in the
 * RFC 3597 generic form, so `rdataToWire(type, rdataFromWire(type, wire))` always equals `wire`.
 * Throws {@link RdataError} only for an unknown type.
 */
export function rdataFromWire(type: string | number, wire: Buffer): string {
  const mnemonic = typeof type === "number" ? numberToType(type) : numberToType(typeToNumber(type));
  const codec = CODECS.get(mnemonic);
  if (codec !== undefined) {
    try {
      const reader = new WireReader(wire);
      const text = codec.decode(reader);
      reader.end();
      return text;
    } catch (err) {
      if (!(err instanceof RdataError)) throw err;
    }
  }
  return formatGenericRdata(wire);
}
