// Incremental transfer on the secondary: rebuilds the new zone text from the held one and a delta.
import { PdnsdError } from "@pdns-distribute/core";
import type { SignedZone, ZoneDataWire } from "@pdns-distribute/core";
import { applyZoneTextDelta } from "@pdns-distribute/dns";

/** The version of a zone a secondary holds, as it tells the zone-provider (and the text a delta applies to). */
export interface HeldZoneText {
  serial: number;
  /** Hex SHA-256 of `zoneText`. */
  sha256: string;
  zoneText: string;
}

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
 * wrong or forged delta cannot produce data that verifies.
 */
export function withZoneTextDelta(wire: ZoneDataWire, base: HeldZoneText | undefined): SignedZone {
  const delta = wire.zoneTextDelta;
  if (!delta) throw new UnusableDeltaError(`zone ${wire.zone}: reply carries no delta`);
  if (!base || base.sha256 !== delta.fromSha256) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} applies to a version this secondary does not hold`);
  }
  let zoneText: string;
  try {
    zoneText = applyZoneTextDelta(base.zoneText, delta);
  } catch (err) {
    throw new UnusableDeltaError(`zone ${wire.zone}: delta from serial ${delta.fromSerial} does not fit the held text: ${(err as Error).message}`, { cause: err });
  }
  const { zoneTextDelta: _delta, zoneTextRef: _ref, zoneText: _inline, ...rest } = wire;
  return { ...rest, zoneText };
}
