// Public entry of the answer engine: zone compilation, the pure lookup, the wire adapter and the DNS server.

export { CLASS_IN, Rcode, RRType } from "./constants";
export { AnswerError, ZoneCompileError } from "./errors";
export { addDenialProof } from "./denial";
export { nsec3Hash } from "./denial-nsec3";
export { lookupToText, rrsetToText } from "./format";
export { LookupResult, lookup } from "./lookup";
export { nameKey, parseName } from "./names";
export { defaultDnsServerOptions, startDnsServer } from "./server";
export { answerQuery, defaultWireOptions } from "./wire";
export { compileZone, createZoneSet } from "./zone-index";

export type { RcodeValue } from "./constants";
export type { DenialCase } from "./denial";
export type { LookupOptions, LookupResponse, LookupResultKind } from "./lookup";
export type { DnsName } from "./names";
export type { DnsServer, DnsServerOptions } from "./server";
export type { CompiledZone, DenialIndex, Nsec3Index, Nsec3Params, RRset, ZoneNode } from "./types";
export type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
export type { ZoneSet } from "./zone-index";
