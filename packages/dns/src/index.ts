// Public API of @pdns-distribute/dns: names, RDATA codecs, the canonical zone string, the AXFR client and queries.

export { AxfrError, DnsError, NameError, RdataError, ZoneTextError } from "./errors";
export {
  MAX_LABEL,
  MAX_NAME_WIRE,
  compareCanonical,
  formatLabel,
  isCanonicalSubdomainOf,
  isSubdomainOf,
  labelsOf,
  lowerLabel,
  normalizeName,
  parentName,
  parseNameText,
} from "./names";
export { dnsNameToWire, nameFromLabels, nameKey, nameWireLength, parseName, readUncompressedName } from "./name-values";
export { CLASS_IN, RRType, canonicalType, numberToType, typeToNumber } from "./rrtypes";
export { nameToWire } from "./wire";
export { dottedQuadValue, parseIPv4, parseIPv6 } from "./ip";
export { formatGenericRdata, hasTypedPresentation, rdataFromWire, rdataToWire } from "./rdata";
export { compareZoneTextLines, parseZoneText, parseZoneTextWire, renderZoneText, renderZoneTextFromWire, soaSerialOf, soaSerialOfWire } from "./zone-text";
export { MessageFormatError, readMessageAnswers } from "./message-records";
export { applyZoneTextDelta, diffZoneText, zoneTextDeltaBytes, zoneTextLines } from "./zone-text-delta";
export { patchZoneLines } from "./zone-text-patch";
export { recordFromPacketAnswer } from "./packet-records";
export { axfr, axfrWire } from "./axfr";
export { encodeQuestion, udpExchange } from "./query";

export type { ZoneRecord, ZoneWireRecord } from "./types";
export type { DnsName } from "./name-values";
export type { ParsedName } from "./names";
export type { ZoneTextDelta } from "./zone-text-delta";
export type { RRsetReplacement, ZoneLinesPatch } from "./zone-text-patch";
export type { MessageAnswers, WireRecord } from "./message-records";
export type { AxfrOptions } from "./axfr";
export type { QuestionOptions, UdpQueryTarget } from "./query";
export type { AxfrErrorOptions, DnsErrorOptions } from "./errors";
