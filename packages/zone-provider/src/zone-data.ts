// Turns a zone's records into the signed-zone envelope: canonical text, SOA serial, Ed25519 signature.
import { signZone, zoneTextDigest } from "@pdns-distribute/core";
import type { SignedZone, ZoneRequestBinding } from "@pdns-distribute/core";
import { normalizeName, renderZoneText, soaSerialOf } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";

/** A zone's canonical text, serial and text digest: the part shared by every reply to one transfer. */
interface RenderedZone {
  zoneText: string;
  serial: number;
  digest: string;
}

// One transfer shared by coalesced requests (coalesce.ts) returns the same records array to each of them:
// render and hash it once, then sign once per request (each request has its own nonce).
const rendered = new WeakMap<ZoneRecord[], RenderedZone>();

/** Renders (once per records array) the zone text, serial and digest. */
function renderOnce(records: ZoneRecord[]): RenderedZone {
  let r = rendered.get(records);
  if (!r) {
    const zoneText = renderZoneText(records);
    r = { zoneText, serial: soaSerialOf(records), digest: zoneTextDigest(zoneText) };
    rendered.set(records, r);
  }
  return r;
}

/**
 * Builds and signs the zone-data reply for `zone` from its records (as read by AXFR). With `binding` (the
 * request's nonce and requester) the reply is a version 2 envelope bound to that request.
 */
export function buildSignedZone(
  zone: string,
  records: ZoneRecord[],
  secretKey: Uint8Array,
  now = Date.now(),
  binding?: ZoneRequestBinding,
): SignedZone {
  const name = normalizeName(zone);
  const r = renderOnce(records);
  return signZone(name, r.serial, r.zoneText, secretKey, now, binding, r.digest);
}

/** Hex SHA-256 of the zone text rendered from `records` (computed once per records array). */
export function zoneTextDigestOf(records: ZoneRecord[]): string {
  return renderOnce(records).digest;
}
