// Incremental transfer on the secondary: rebuilds the new zone text from the held one and a delta.
import { PdnsdError, lthashAfterDelta } from "@pdns-distribute/core";
import type { LtHash, SignedZone, ZoneDataWire, ZoneTextDeltaWire } from "@pdns-distribute/core";
import { ZoneTextError, applyZoneTextDelta, compareZoneTextLines } from "@pdns-distribute/dns";
import type { ZoneLines } from "./zone-lines";

/** The version of a zone a secondary holds, as it tells the zone-provider (and the text a delta applies to). */
export interface HeldZoneText {
  serial: number;
  /** Hex SHA-256 of `zoneText`. */
  sha256: string;
  zoneText: string;
  /** The LtHash16 state of `zoneText`'s lines, when held (a version 3 envelope): a delta then updates it. */
  lthash?: LtHash;
  /**
   * The held text as lines, when kept (then `zoneText` may be a getter that joins them, used only when needed): a
   * version 3 delta is applied to them in O(change), and the result carries its lines too.
   */
  lines?: ZoneLines;
  /** Length of the held text, when known without reading `zoneText`. */
  length?: number;
}

/** A zone rebuilt from a delta: `sha256` the signed text digest (version 3), `lines` its text as lines when kept. */
export type RebuiltZone = SignedZone & { sha256?: string; lines?: ZoneLines };

/**
 * A delta that cannot be used (made for another version, or not fitting the held text). Not a rejection: the
 * secondary asks again for the full zone, which is verified as usual.
 */
export class UnusableDeltaError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_ZONE_DELTA_UNUSABLE", message, options);
    this.name = "UnusableDeltaError";
  }
}

/**
 * The signed-zone envelope with the zone text rebuilt from `base` and the envelope's `zoneTextDelta` (pure).
 * The signature is checked afterwards, exactly as for a full transfer: it covers the new text's digest, so a
 * wrong or forged delta cannot produce data that verifies. A version 3 delta from the held LtHash16 state
 * (`lthashBase`, no `lthashState`) comes back with the state updated from the delta's lines alone and, as `sha256`,
 * the text digest the envelope signs: the signature check then covers the lines through that state, each added line
 * must sit in canonical order between its neighbours (so the text is the canonical one), and the rebuilt text is
 * not hashed whole (see {@link lthashAfterDelta}).
 */
export function withZoneTextDelta(wire: ZoneDataWire, base: HeldZoneText | undefined): RebuiltZone {
  const delta = wire.zoneTextDelta;
  if (!delta) throw new UnusableDeltaError(`zone ${wire.zone}: reply carries no delta`);
  if (!base || base.sha256 !== delta.fromSha256) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} applies to a version this secondary does not hold`);
  }
  const fromState = wire.version === 3 && wire.lthashBase !== undefined && wire.lthashState === undefined;
  const lthash = fromState ? heldStateAfter(wire, base, delta) : undefined;
  if (lthash && base.lines) return withLinesDelta(wire, base.lines, delta, lthash);
  let zoneText: string;
  try {
    // The state binds the lines, not their order: with it, each added line must also sit in canonical order, so
    // the text is exactly the canonical one (the SHA-256 the envelope signs, as start-up checks again).
    zoneText = applyZoneTextDelta(base.zoneText, delta, lthash ? inCanonicalOrder : undefined);
  } catch (err) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} does not fit the held text: ${(err as Error).message}`, { cause: err });
  }
  const { zoneTextDelta: _delta, zoneTextRef: _ref, zoneText: _inline, ...rest } = wire;
  if (!lthash) return { ...rest, zoneText };
  const signed: SignedZone & { sha256?: string } = { ...rest, zoneText, lthashState: lthash.serialize().toString("base64") };
  if (wire.textSha256 !== undefined) signed.sha256 = wire.textSha256;
  return signed;
}

/**
 * As withZoneTextDelta for a version 3 delta from the held state on held lines: the result's `lines` are the held
 * ones changed in O(change); its `zoneText` is an enumerable getter that joins them on first use (spreading the
 * result reads it: pass the object itself along where the text is not needed).
 */
function withLinesDelta(wire: ZoneDataWire, held: ZoneLines, delta: ZoneTextDeltaWire, lthash: LtHash): RebuiltZone {
  let lines: ZoneLines;
  try {
    lines = held.applyDelta(delta, inCanonicalOrder);
  } catch (err) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} does not fit the held text: ${(err as Error).message}`, { cause: err });
  }
  const { zoneTextDelta: _delta, zoneTextRef: _ref, zoneText: _inline, ...rest } = wire;
  const signed = { ...rest, zoneText: "", lthashState: lthash.serialize().toString("base64"), lines } as RebuiltZone;
  if (wire.textSha256 !== undefined) signed.sha256 = wire.textSha256;
  let text: string | undefined;
  Object.defineProperty(signed, "zoneText", { enumerable: true, get: () => (text ??= lines.text()) });
  return signed;
}

/** Throws unless `line` comes strictly between its neighbours in canonical order (compareZoneTextLines). */
function inCanonicalOrder(prev: string | undefined, line: string, next: string | undefined): void {
  if ((prev !== undefined && compareZoneTextLines(prev, line) >= 0) || (next !== undefined && compareZoneTextLines(line, next) >= 0)) {
    throw new ZoneTextError(`added line "${line}" is out of canonical order`);
  }
}

/**
 * The held LtHash16 state updated by a version 3 delta's lines. The delta must start from that very state
 * (`lthashBase`), and name each added line once: the hash counts lines modulo 2^16, and a line added 65,536 times
 * would count as not added at all (removed lines are checked to be distinct and held by applyZoneTextDelta).
 */
function heldStateAfter(wire: ZoneDataWire, base: HeldZoneText, delta: ZoneTextDeltaWire): LtHash {
  if (!base.lthash || base.lthash.digest() !== wire.lthashBase) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} applies to an LtHash state this secondary does not hold`);
  }
  if (new Set(delta.added.map(([, line]) => line)).size !== delta.added.length) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta adds the same line twice`);
  }
  return lthashAfterDelta(base.lthash, delta);
}
