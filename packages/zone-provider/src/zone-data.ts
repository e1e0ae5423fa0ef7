// A zone as read from the primary (canonical text, serial, digest) and the signed-zone envelope made from it.
import { signZone, zoneTextDigest } from "@pdns-distribute/core";
import type { LtHash, SignedZone, ZoneRequestBinding } from "@pdns-distribute/core";
import { normalizeName, renderZoneTextFromWire, soaSerialOfWire } from "@pdns-distribute/dns";
import type { WireRecord } from "@pdns-distribute/dns";

/**
 * One version of a zone as read from the primary: its canonical text, SOA serial and the hex SHA-256 of the
 * text. Requests sharing one transfer (coalesce.ts) share one snapshot; each is signed on its own (own nonce).
 */
export interface ZoneSnapshot {
  zoneText: string;
  serial: number;
  /** Hex SHA-256 of `zoneText`. */
  digest: string;
  /** Records in the zone. */
  records: number;
  /** How it was read: the whole zone (AXFR), or the changed RRsets patched into the previous snapshot. */
  read?: "full" | "incremental";
  /** The text's lines, when at hand (kept for the next incremental read). */
  lines?: string[];
  /** For an incremental read: the lines that left and came since the snapshot it was patched from (a delta). */
  patch?: { fromSha256: string; fromSerial: number; removed: string[]; added: Array<[number, string]> };
}

/**
 * The snapshot of a zone from its records in wire form, as read by AXFR (the SOA first): rendered straight from
 * wire, without making or parsing presentation text per record.
 */
export function snapshotFromWire(records: readonly WireRecord[]): ZoneSnapshot {
  const soa = records[0];
  if (!soa || soa.type !== 6) throw new Error("a zone transfer must start with the SOA");
  const zoneText = renderZoneTextFromWire(records);
  return { zoneText, serial: soaSerialOfWire(soa.rdata), digest: zoneTextDigest(zoneText), records: records.length, read: "full" };
}

/**
 * Builds and signs the zone-data reply for `zone` from a snapshot. With `binding` (the request's nonce and
 * requester) the reply is a version 2 envelope bound to that request; with `lthash` too (the LtHash16 state of the
 * snapshot's lines, and a delta's base digest), a version 3 envelope that binds them as well.
 */
export function buildSignedZone(
  zone: string,
  snapshot: ZoneSnapshot,
  secretKey: Uint8Array,
  now = Date.now(),
  binding?: ZoneRequestBinding,
  lthash?: { state: LtHash; base?: string },
): SignedZone {
  return signZone(normalizeName(zone), snapshot.serial, snapshot.zoneText, secretKey, now, binding, snapshot.digest, lthash);
}
