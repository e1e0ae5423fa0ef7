// Public entry of @pdns-distribute/answer: compile zones, look names up, answer DNS messages and serve UDP/TCP/AXFR.

export { createAddressMatcher, parseCidr } from "./acl";
export { CookieOutcome, createServerCookies, defaultCookieOptions, serverCookie } from "./cookies";
export { AnswerError, ZoneCompileError } from "./errors";
export { lookupToText } from "./format";
export { lookup } from "./lookup-values";
export { LookupResult } from "./sections";
export { defaultDnsServerOptions, startDnsServer } from "./server";
export { answerQuery, defaultWireOptions } from "./wire";
export { compileZone } from "./zone-index";
export { createZoneSet } from "./zone-set";
export { compiledZoneFromParts, compiledZoneToParts } from "./zone-parts";
export { applyRRsetChanges, overlayChanges } from "./zone-overlay";

export type { AddressMatcher } from "./acl";
export type { CookieCounts, CookieOptions, CookieOutcomeValue, ServerCookies } from "./cookies";
export type { LookupOptions, LookupResponse } from "./lookup-values";
export type { LookupResultKind } from "./sections";
export type { DnsServer, DnsServerOptions } from "./server";
export type { UdpIo } from "./udp-listener";
export type { CompiledZone } from "./types";
export type { AnswerContext, AnswerLogger, WireOptions } from "./wire";
export type { ZoneSet } from "./zone-set";
export type { CompiledZoneParts } from "./zone-parts";
export type { OverlayResult, RRsetChange } from "./zone-overlay";
