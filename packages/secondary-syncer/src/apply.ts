// Applies one zone event on a secondary: fetch, verify signature, check serial, parse and compile, serve, then store.
import { LtHash, PROTOCOL_ERROR_CODES, PdnsdError, newRequestBinding, verifySignedZone, zoneTextDigest } from "@pdns-distribute/core";
import type { Logger, SignedZone, SignedZoneHeader, ZoneDataReply, ZoneEvent, ZoneRequestBinding } from "@pdns-distribute/core";
import { isCanonicalSubdomainOf, normalizeName, parseZoneTextWire } from "@pdns-distribute/dns";
import type { ZoneRecord, ZoneWireRecord } from "@pdns-distribute/dns";
import { ZoneCompileError } from "@pdns-distribute/answer";
import type { CompiledZone, RRsetChange } from "@pdns-distribute/answer";
import type { ZoneTextDeltaWire } from "@pdns-distribute/core";
import { rrsetChangesOfDelta } from "./delta-changes";
import type { OverlayCompactor } from "./overlay-compaction";
import { APPLY_DECISION, decideApply, decideFullApply } from "./decide";
import type { ZonePlan } from "./decide";
import { UnverifiedReplyError, verifyNotFound, verifyZoneDataHeader } from "./reply-verification";
import type { EnvelopeCheck, ReplyTrust } from "./reply-verification";
import type { ZoneStore } from "./store";
import { UnusableDeltaError } from "./zone-text-delta";
import type { HeldZoneText } from "./zone-text-delta";
import { ZoneLines } from "./zone-lines";

/** Zones being answered by the DNS server; replace/remove swap whole zones. */
export interface ServedZones {
  /**
   * Prepares `records` of `zone` for serving (the answer engine compiles them) and returns the function that swaps
   * them in. Throws when they cannot be served; nothing changes until the returned function is called. The swap
   * may return a function to call once the zone is stored (DNS worker processes reload it from SQLite then).
   */
  prepare(zone: string, records: readonly ZoneRecord[]): () => (() => void) | void;
  /** As `prepare`, for a zone already compiled (off the main thread: ApplyDeps.offThread). */
  prepareCompiled?(zone: string, compiled: CompiledZone): () => (() => void) | void;
  /**
   * As `prepare`, for the zone served changed by the RRset changes `changesOf` finds from it, applied as an overlay
   * (answer/zone-overlay.ts) instead of compiled whole; the result must have `serial`. A string says why that
   * cannot be done (then compile the zone whole).
   */
  prepareChanges?(
    zone: string,
    changesOf: (served: CompiledZone) => readonly RRsetChange[] | string,
    serial: number,
  ): { serve: () => (() => void) | void; records: number; changes: readonly RRsetChange[] } | string;
  /** Prepares and swaps in at once. */
  replace(zone: string, records: readonly ZoneRecord[]): void;
  remove(zone: string): void;
  count(): number;
}

/** How a zone-data reply carried the zone: whole text inline, object-store reference, or delta from the held version. */
export type ZoneDataTransfer = "inline" | "ref" | "delta";

/**
 * A zone-data reply with its zone text in place, how it came (absent: inline), when the fetcher checked the
 * text against a digest already (a text by reference) that SHA-256, and the delta it was rebuilt from, if any.
 */
export type FetchedZoneReply = ZoneDataReply & { transfer?: ZoneDataTransfer; sha256?: string; delta?: ZoneTextDeltaWire; lines?: ZoneLines };

/**
 * Asks the primary for a zone's signed data, bound to `binding` (a fresh nonce and the requester id). With
 * `base` (the version held), the reply may be a delta from it; the fetcher rebuilds the full text either way,
 * or throws {@link UnusableDeltaError} when the delta does not fit `base`. Before it downloads a text sent by
 * reference it calls `verifyFirst` with the envelope and the referenced digest, and downloads nothing if that throws.
 */
export type ZoneFetcher = (
  zone: string,
  binding: ZoneRequestBinding,
  base?: HeldZoneText,
  events?: readonly string[],
  verifyFirst?: EnvelopeCheck,
) => Promise<FetchedZoneReply>;

/** Everything applyZoneEvent needs. */
export interface ApplyDeps {
  fetchZone: ZoneFetcher;
  store: ZoneStore;
  served: ServedZones;
  /** Trusted zone-provider public key(s); data signed by any of them is accepted (key rotation). */
  publicKey: Uint8Array | readonly Uint8Array[];
  /** This secondary's id, bound into each request and its reply (default ""). */
  requester?: string;
  /** Largest allowed |now - signing time| of a fresh reply, ms (default 300 s). */
  maxClockSkewMs?: number;
  /** Tell the zone-provider which version is held so a change can come as a delta (default true). */
  incremental?: boolean;
  /** Called when a delta could not be used and the full zone was asked for instead (metrics). */
  onDeltaFallback?: (reason: "unusable" | "unverified") => void;
  /**
   * Called for every reply that does not verify (forged, replayed, untrusted key, unsigned "not found"): the
   * alert (metric and rate-limited log). The zone is asked for again meanwhile.
   */
  onUnverifiedReply?: (zone: string, err: UnverifiedReplyError) => void;
  /**
   * Parses and compiles zone texts of `minBytes` and more off the main thread (compile-thread.ts), so DNS answers
   * are not held up meanwhile; absent: every zone on the main thread. Needs `served.prepareCompiled`.
   */
  offThread?: { minBytes: number; compile(zone: string, zoneText: string): Promise<{ compiled: CompiledZone; records: number }> };
  /**
   * SHA-256 of the zone texts applied, by zone (filled here): the next sync offers the held version by its digest
   * without hashing the whole held text again (0.75 s for a 1,000,000-record zone). Absent: hashed each time.
   */
  heldDigests?: Map<string, HeldDigest>;
  /**
   * Serve a delta of an unsigned zone as an overlay of changed RRsets on the zone served, not compiled whole
   * (needs `served.prepareChanges`), compacted in the background; absent: every version compiled whole.
   */
  overlay?: OverlayCompactor;
  /**
   * Changes a zone's store log may hold before its base is rewritten (store.compact, after the apply): a change
   * rebuilt from a version 3 delta is logged (a few rows), not the whole text. Absent: 2000.
   */
  storeLogMaxChanges?: number;
  /** Told how each version was made ready to serve: an overlay of changes, or compiled whole. */
  onPrepared?: (how: "overlay" | "whole") => void;
  logger: Logger;
}

/** The digest of one applied version, valid while the store holds that very envelope (same serial and signature). */
export interface HeldDigest {
  serial: number;
  signature: string;
  sha256: string;
  /**
   * The version itself, kept after a change came as a delta: the next change then reads nothing from the store
   * and applies its delta to these lines in O(change).
   */
  kept?: { envelope: SignedZoneHeader; lines: ZoneLines };
}

/** The version of a zone held: its envelope, its text (read or joined when needed) and the text's lines. */
interface HeldVersion {
  envelope: SignedZoneHeader;
  text(): string;
  lines(): ZoneLines;
  sha256(): string;
}

/** The version held: kept in memory since the last change (nothing read), else read from the store (if readable). */
function heldVersion(deps: ApplyDeps, zone: string): HeldVersion | undefined {
  const known = deps.heldDigests?.get(zone);
  if (known?.kept) {
    const { envelope, lines } = known.kept;
    return { envelope, lines: () => lines, text: () => lines.text(), sha256: () => known.sha256 };
  }
  let stored: SignedZone | undefined;
  try {
    stored = deps.store.get(zone);
  } catch (err) {
    // A change log that does not apply to its base (altered at rest): nothing usable is held; the full zone replaces it.
    deps.logger.warn({ zone, err: (err as Error).message }, "stored zone unreadable; asking for the full zone");
    return undefined;
  }
  if (stored === undefined) return undefined;
  let lines: ZoneLines | undefined;
  let sha256: string | undefined;
  return {
    envelope: stored,
    text: () => stored.zoneText,
    lines: () => (lines ??= ZoneLines.fromText(stored.zoneText)),
    sha256: () => (sha256 ??= heldTextDigest(deps, zone, stored)),
  };
}

/** The envelope fields of a signed zone, without its text (which stays unread). */
function headerOf(z: SignedZone): SignedZoneHeader {
  const header: SignedZoneHeader = { type: z.type, version: z.version, zone: z.zone, serial: z.serial, timestamp: z.timestamp, signature: z.signature };
  for (const key of ["nonce", "requester", "textSha256", "lthashBase", "lthashState"] as const) if (z[key] !== undefined) Object.assign(header, { [key]: z[key] });
  return header;
}

/**
 * The SHA-256 of the held text: remembered when it was applied or verified at start-up, else computed. Never the
 * digest a stored envelope signs (`textSha256`): a text altered at rest must not pass for the signed one, or a delta
 * (checked by the held LtHash16 state, not the text) would carry the alteration on; hashed, it gets the full zone.
 */
function heldTextDigest(deps: ApplyDeps, zone: string, held: SignedZone): string {
  const known = deps.heldDigests?.get(zone);
  if (known && known.serial === held.serial && known.signature === held.signature) return known.sha256;
  return zoneTextDigest(held.zoneText);
}

/**
 * The version held, as offered for a delta: its serial, text digest, text and (version 3) LtHash16 state with its
 * lines (a version 3 delta then changes them in O(change); the text is joined only if read).
 */
function heldZoneText(held: HeldVersion): HeldZoneText {
  const { envelope } = held;
  const base = { serial: envelope.serial, sha256: held.sha256() } as HeldZoneText;
  Object.defineProperty(base, "zoneText", { enumerable: true, get: () => held.text() });
  if (envelope.version === 3 && envelope.lthashState !== undefined) {
    base.lthash = LtHash.deserialize(Buffer.from(envelope.lthashState, "base64"));
    base.lines = held.lines();
    base.length = base.lines.length;
  }
  return base;
}

/** How an event ended. */
export type ApplyOutcome =
  | { result: "applied"; zone: string; serial: number; records: number }
  | { result: "unchanged"; zone: string; serial: number }
  | { result: "stale"; zone: string; serial: number; heldSerial: number }
  | { result: "deleted"; zone: string; existed: boolean }
  | { result: "not-found"; zone: string };

/** Zone data that must never be applied (bad signature, unparsable text, wrong zone): retrying will not help. */
export class RejectedZoneError extends PdnsdError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "RejectedZoneError";
  }
}

/** A failure that may pass on retry (primary or broker unavailable, timeout). */
export class TransientSyncError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_SYNC_RETRY", message, options);
    this.name = "TransientSyncError";
  }
}

/**
 * Parses and checks zone text: every line valid (RDATA encodable), an apex SOA, every name inside the zone. The
 * records carry their wire RDATA, so compiling them for the answer engine does not encode it again.
 */
export function parseSignedZoneRecords(signed: Pick<SignedZone, "zone" | "zoneText">): ZoneWireRecord[] {
  let records: ZoneWireRecord[];
  try {
    records = parseZoneTextWire(signed.zoneText);
  } catch (err) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${signed.zone}: ${(err as Error).message}`, { cause: err });
  }
  const apex = normalizeName(signed.zone);
  const soa = records.filter((r) => r.type === "SOA");
  if (soa.length !== 1 || soa[0]?.name !== apex) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${signed.zone}: needs exactly one SOA at the apex`);
  }
  // Owner names come out of the parser in canonical form, as does the apex: a string comparison suffices.
  const outside = records.find((r) => !isCanonicalSubdomainOf(r.name, apex));
  if (outside) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${signed.zone}: record ${outside.name} is outside the zone`);
  }
  return records;
}

/** Requests for one zone per delivery of its event while replies do not verify (a rogue responder): then retried later. */
export const REPLY_ATTEMPTS = 3;

/** A verified answer of the zone-provider: the zone's signed data, or its signed word that the primary lacks the zone. */
type VerifiedReply = { kind: "data"; reply: FetchedZoneReply & SignedZone; keyIndex: number; sha256: string } | { kind: "absent" };

/**
 * Fetches, verifies and applies the current version of `zone`. With `replaceHeld` (a delete is among the events:
 * the zone may have been removed and re-created since), the serial check is skipped and the zone is removed if the
 * zone-provider says, signed and bound to this request, that the primary no longer has it. Nothing else removes a
 * zone: a forged delete event costs a fetch and changes nothing. With `full` (the content audit's resync) the whole
 * zone is fetched, offering no held version, and replaces the held one even at the same serial.
 */
async function syncZone(deps: ApplyDeps, zone: string, replaceHeld = false, events?: readonly string[], full = false): Promise<ApplyOutcome> {
  const held = heldVersion(deps, zone);
  const verified = await fetchVerified(deps, zone, full ? undefined : held, events);
  if (verified.kind === "absent") return replaceHeld ? removeZone(deps, zone) : { result: "not-found", zone };
  const { reply, keyIndex } = verified;
  const was = held?.envelope;
  const decision = replaceHeld ? APPLY_DECISION.apply : full ? decideFullApply(was, reply) : decideApply(was, reply);
  if (decision === "stale" && was) return { result: "stale", zone, serial: reply.serial, heldSerial: was.serial };
  if (!full && (decision === "same" || (held && was?.serial === reply.serial && held.sha256() === verified.sha256))) {
    // Key rotation: the same data now signed by another key replaces the stored signature, so the zone
    // still verifies at start-up once the old key is no longer trusted (docs/security.md).
    if (held && was && decision !== "same" && !signedByKey({ ...was, zoneText: held.text() }, deps.publicKey, keyIndex)) {
      deps.store.put({ ...stripFetchFields(reply), zone });
      deps.heldDigests?.delete(zone); // another envelope is stored now
    }
    return { result: "unchanged", zone, serial: reply.serial };
  }
  // Compiled before it is stored: data the answer engine cannot serve is never stored (nor served after a restart).
  // Swapped in before it is stored: the fsync of the store is not on the answer path. The event is acked only
  // after the store, so a crash in between means the event comes again (docs/durability.md).
  const { serve, records, changes } = await prepareZone(deps, zone, reply);
  const stored = serve();
  // A version rebuilt as lines from a version 3 delta is logged as that delta (a few rows); any other is stored whole.
  const lines = reply.lines;
  if (lines && reply.delta && was) await deps.store.putChangeGrouped(reply, was, reply.delta);
  else await deps.store.putGrouped({ ...stripFetchFields(reply), zone });
  const kept = lines ? { envelope: headerOf(reply), lines } : undefined;
  deps.heldDigests?.set(zone, { serial: reply.serial, signature: reply.signature, sha256: verified.sha256, ...(kept ? { kept } : {}) });
  stored?.();
  deps.overlay?.applied(zone, () => reply.zoneText, changes);
  if (kept) compactStoreLog(deps, zone, reply);
  return { result: "applied", zone, serial: reply.serial, records };
}

/**
 * Rewrites the zone's stored base with the text of `version` (joined from its lines) once its log holds
 * `storeLogMaxChanges` changes, right after the apply; nothing if another version is stored meanwhile.
 */
function compactStoreLog(deps: ApplyDeps, zone: string, version: SignedZone): void {
  if (deps.store.changeCount(zone) < (deps.storeLogMaxChanges ?? 2000)) return;
  const started = Date.now();
  try {
    if (deps.store.compact(zone, version, version.zoneText)) deps.logger.info({ zone, serial: version.serial, ms: Date.now() - started }, "zone store log compacted");
  } catch (err) {
    deps.logger.warn({ zone, err: (err as Error).message }, "zone store log not compacted; it is tried again after the next change");
  }
}

/** The signed envelope of a fetched reply (its text read), without what the fetcher added (how it came, its digest). */
function stripFetchFields(reply: FetchedZoneReply & SignedZone): SignedZone {
  const { transfer: _transfer, sha256: _sha256, delta: _delta, lines: _lines, ...signed } = reply;
  return signed;
}

/**
 * Asks for the zone until a reply verifies, at most {@link REPLY_ATTEMPTS} times: each request may reach another
 * member of the zone-provider queue group, so a rogue member costs a retry, not the change. Every unverified reply
 * is reported (`onUnverifiedReply`); when none verifies, the last error is thrown (the event is retried later).
 */
async function fetchVerified(deps: ApplyDeps, zone: string, held: HeldVersion | undefined, events?: readonly string[]): Promise<VerifiedReply> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchOnce(deps, zone, held, events);
    } catch (err) {
      if (!(err instanceof UnverifiedReplyError)) throw err;
      deps.onUnverifiedReply?.(zone, err);
      if (attempt >= REPLY_ATTEMPTS) throw err;
    }
  }
}

/** One request for the zone (two when a delta does not verify: then the full zone), verified. */
async function fetchOnce(deps: ApplyDeps, zone: string, held: HeldVersion | undefined, events?: readonly string[]): Promise<VerifiedReply> {
  const base = held && deps.incremental !== false ? heldZoneText(held) : undefined;
  let { reply, binding } = await fetchZoneData(deps, zone, base, events);
  if (reply.type !== "error" && reply.transfer === "delta") {
    try {
      return { kind: "data", reply, ...verifyReply(deps, zone, reply, binding) };
    } catch (err) {
      // The text rebuilt from the delta does not verify: never applied; the full zone is asked for instead.
      deps.logger.warn({ zone, code: (err as { code?: string }).code, err: (err as Error).message }, "zone delta did not verify; asking for the full zone");
      deps.onDeltaFallback?.("unverified");
      ({ reply, binding } = await fetchZoneData(deps, zone, undefined, events));
    }
  }
  if (reply.type === "error") {
    if (reply.code === PROTOCOL_ERROR_CODES.zoneNotFound) {
      verifyNotFound(reply, zone, binding, replyTrust(deps));
      return { kind: "absent" };
    }
    throw new TransientSyncError(`zone ${zone}: zone-provider answered ${reply.code}: ${reply.message}`);
  }
  return { kind: "data", reply, ...verifyReply(deps, zone, reply, binding) };
}

/** A version made ready to serve: the swap, its number of records, and the changes it was made of (null: whole). */
interface PreparedZone {
  serve: () => (() => void) | void;
  records: number;
  changes: readonly RRsetChange[] | null;
}

/**
 * Makes the zone of `reply` ready to serve: a delta as an overlay of its RRset changes on the zone served when that
 * applies (`deps.overlay`); else parses, checks and compiles the whole text, a large one on the compile thread
 * (`deps.offThread`), falling back to the main thread when that thread fails.
 */
async function prepareZone(deps: ApplyDeps, zone: string, reply: FetchedZoneReply & SignedZone): Promise<PreparedZone> {
  const overlaid = prepareOverlay(deps, zone, reply);
  if (overlaid !== null) {
    deps.onPrepared?.("overlay");
    return overlaid;
  }
  deps.onPrepared?.("whole");
  return { ...(await compileWhole(deps, zone, reply)), changes: null };
}

/** The delta of `reply` as an overlay on the zone served, or null (no delta, or not applicable: logged at debug). */
function prepareOverlay(deps: ApplyDeps, zone: string, reply: FetchedZoneReply & SignedZone): PreparedZone | null {
  const delta = reply.delta;
  if (!deps.overlay || !deps.served.prepareChanges || reply.transfer !== "delta" || !delta) return null;
  const changesOf = (served: CompiledZone): readonly RRsetChange[] | string =>
    served.serial !== delta.fromSerial
      ? `the zone served has serial ${served.serial}, the delta is from ${delta.fromSerial}`
      : rrsetChangesOfDelta(delta, reply.lines ?? reply.zoneText, served);
  let prepared: ReturnType<NonNullable<ServedZones["prepareChanges"]>>;
  try {
    prepared = deps.served.prepareChanges(zone, changesOf, reply.serial);
  } catch (err) {
    if (err instanceof ZoneCompileError) throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${zone}: ${err.message}`, { cause: err });
    throw err;
  }
  if (typeof prepared === "string") {
    deps.logger.debug({ zone, reason: prepared }, "zone delta compiled whole, not as an overlay");
    return null;
  }
  return prepared;
}

/** Parses, checks and compiles the whole zone text of `reply`; returns the swap and the number of records. */
async function compileWhole(deps: ApplyDeps, zone: string, reply: SignedZone): Promise<{ serve: () => (() => void) | void; records: number }> {
  const off = deps.offThread;
  if (off && deps.served.prepareCompiled && reply.zoneText.length >= off.minBytes) {
    try {
      const { compiled, records } = await off.compile(zone, reply.zoneText);
      return { serve: deps.served.prepareCompiled(zone, compiled), records };
    } catch (err) {
      if (err instanceof RejectedZoneError) throw err;
      deps.logger.warn({ zone, err: (err as Error).message }, "zone not compiled off the main thread; compiling it here");
    }
  }
  const records = parseSignedZoneRecords(reply);
  return { serve: prepareServing(deps, zone, records), records: records.length };
}

/** Compiles `records` for serving; data the answer engine refuses is rejected like unparsable text. */
function prepareServing(deps: ApplyDeps, zone: string, records: readonly ZoneRecord[]): () => (() => void) | void {
  try {
    return deps.served.prepare(zone, records);
  } catch (err) {
    if (err instanceof ZoneCompileError) throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${zone}: ${err.message}`, { cause: err });
    throw err;
  }
}

/**
 * One zone-data request, offering `base` for a delta. A delta that does not fit `base` is not an error of the
 * data: the full zone is asked for at once. A text sent by reference is downloaded only once the envelope
 * verifies. Request failures are transient; rejections stay rejections.
 */
async function fetchZoneData(
  deps: ApplyDeps,
  zone: string,
  base: HeldZoneText | undefined,
  events?: readonly string[],
): Promise<{ reply: FetchedZoneReply; binding: ZoneRequestBinding }> {
  const binding = newRequestBinding(deps.requester ?? "");
  const verifyFirst: EnvelopeCheck = (header, sha256) => void verifyZoneDataHeader(header, sha256, zone, binding, replyTrust(deps));
  try {
    return { reply: await deps.fetchZone(zone, binding, base, events, verifyFirst), binding };
  } catch (err) {
    if (err instanceof UnusableDeltaError && base) {
      deps.logger.warn({ zone, err: err.message }, "zone delta unusable; asking for the full zone");
      deps.onDeltaFallback?.("unusable");
      return fetchZoneData(deps, zone, undefined, events);
    }
    if (err instanceof RejectedZoneError || err instanceof UnverifiedReplyError) throw err;
    throw new TransientSyncError(`zone ${zone}: zone-data request failed: ${(err as Error).message}`, { cause: err });
  }
}

/** The keys and clock skew replies are checked against. */
function replyTrust(deps: ApplyDeps): ReplyTrust {
  return { publicKey: deps.publicKey, maxClockSkewMs: deps.maxClockSkewMs ?? 300_000 };
}

/**
 * Checks that `reply` is data for `zone`, signed by a trusted key and bound to this request (an old reply
 * replayed carries another nonce); returns the key's index and the text's SHA-256 (the fetcher's when it checked
 * the text against it already). Throws UnverifiedReplyError otherwise.
 */
function verifyReply(deps: ApplyDeps, zone: string, reply: FetchedZoneReply & SignedZone, binding: ZoneRequestBinding): { keyIndex: number; sha256: string } {
  const sha256 = reply.sha256 ?? zoneTextDigest(reply.zoneText);
  return { keyIndex: verifyZoneDataHeader(reply, sha256, zone, binding, replyTrust(deps)), sha256 };
}

/** Whether `signed` verifies with the trusted key at `index`. */
function signedByKey(signed: SignedZone, keys: Uint8Array | readonly Uint8Array[], index: number): boolean {
  const key = keys instanceof Uint8Array ? keys : keys[index];
  try {
    return key !== undefined && verifySignedZone(signed, key) === 0;
  } catch {
    return false;
  }
}

/** Applies one zone event. Throws RejectedZoneError (never retry), UnverifiedReplyError or TransientSyncError (retry later). */
export async function applyZoneEvent(deps: ApplyDeps, event: ZoneEvent): Promise<ApplyOutcome> {
  const zone = normalizeName(event.zone);
  return syncZone(deps, zone, event.type === "zone.delete");
}

/**
 * Applies a coalesced plan (see coalesceEvents). Events carry no data and no signature, so every plan asks the
 * zone-provider: a plan with a delete replaces the held version whatever its serial (the old version keeps being
 * served until then), or removes the zone on the zone-provider's signed "not found"; changes alone fetch with the
 * usual serial check.
 */
export async function applyZonePlan(deps: ApplyDeps, plan: ZonePlan): Promise<ApplyOutcome> {
  return syncZone(deps, normalizeName(plan.zone), plan.deleted, plan.eventIds, plan.full === true);
}

/** Removes a zone: from the store, the remembered digests and the answer engine. */
function removeZone(deps: ApplyDeps, zone: string): ApplyOutcome {
  const existed = deps.store.delete(zone);
  deps.heldDigests?.delete(zone);
  deps.served.remove(zone);
  deps.overlay?.removed(zone);
  return { result: "deleted", zone, existed };
}
