// Public entry of the answer engine: zone compilation, the pure lookup, the wire adapter and the DNS server.

export { createAddressMatcher, parseCidr } from "./acl";
export { CLASS_IN, Rcode, RRType } from "./constants";
export { AnswerError, ZoneCompileError } from "./errors";
export { nsec3Hash } from "./denial-nsec3";
export { lookupToText, rrsetToText } from "./format";
export { lookup } from "./lookup-values";
export { LookupResult } from "./sections";
export { nameKey, parseName } from "./names";
export { defaultDnsServerOptions, startDnsServer } from "./server";
export { answerTcpQuery, transferMessages } from "./transfer";
export { answerQuery, answerQueryInto, defaultWireOptions } from "./wire";
export { compileZone, createZoneSet } from "./zone-index";
export { compiledZoneFromParts, compiledZoneToParts } from "./zone-parts";

export type { AddressMatcher } from "./acl";
export type { RcodeValue } from "./constants";
export type { LookupOptions, LookupResponse } from "./lookup-values";
export type { LookupResultKind } from "./sections";
export type { DnsName } from "./names";
export type { DnsServer, DnsServerOptions } from "./server";
export type { UdpIo } from "./udp-listener";
export type { CompiledZone, DenialIndex, Nsec3Index, Nsec3Params, RRset, ZoneNode, ZoneNodes } from "./types";
export type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
export type { ZoneSet } from "./zone-set";
export type { CompiledZoneParts } from "./zone-parts";
