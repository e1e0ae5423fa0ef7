// Turns a zone's records into the signed-zone envelope: canonical text, SOA serial, Ed25519 signature.
import { signZone } from "@pdns-distribute/core";
import type { SignedZone } from "@pdns-distribute/core";
import { normalizeName, renderZoneText, soaSerialOf } from "@pdns-distribute/dns";
import type { ZoneRecord } from "@pdns-distribute/dns";

/** Builds and signs the zone-data reply for `zone` from its records (as read by AXFR). */
export function buildSignedZone(zone: string, records: ZoneRecord[], secretKey: Uint8Array, now = Date.now()): SignedZone {
  const name = normalizeName(zone);
  const zoneText = renderZoneText(records);
  const serial = soaSerialOf(records);
  return signZone(name, serial, zoneText, secretKey, now);
}
