// Resolves a large zone's text from the JetStream object store and checks it against the signed digest.
import { createHash } from "node:crypto";
import { Objm } from "@nats-io/obj";
import type { ObjectStore } from "@nats-io/obj";
import type { NatsConnection, SignedZone, ZoneDataWire, ZoneTextRef } from "@pdns-distribute/core";
import { RejectedZoneError } from "./apply";
import { withZoneTextDelta } from "./zone-text-delta";
import type { HeldZoneText } from "./zone-text-delta";

/** Largest zone text accepted by reference, bytes. */
export const MAX_ZONE_TEXT_BYTES = 1024 * 1024 * 1024;

/** Reads the bytes of a referenced zone text; undefined when the object is not (or no longer) there. */
export type ZoneTextReader = (ref: ZoneTextRef) => Promise<Uint8Array | undefined>;

/**
 * The signed-zone envelope with the referenced text in place (pure). The bytes must have the announced size
 * and SHA-256 (the digest the signature covers), else the data is rejected; the signature is checked later.
 */
export function withZoneText(wire: ZoneDataWire, ref: ZoneTextRef, bytes: Uint8Array): SignedZone {
  if (bytes.byteLength !== ref.size) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${wire.zone}: object ${ref.name} has ${bytes.byteLength} bytes, reference says ${ref.size}`);
  }
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== ref.sha256) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${wire.zone}: object ${ref.name} does not match its sha256 digest`);
  }
  const { zoneTextRef: _ref, zoneText: _inline, zoneTextDelta: _delta, ...rest } = wire;
  return { ...rest, zoneText: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") };
}

/**
 * The signed-zone envelope with its zone text: inline as is, read from the object store when it came by
 * reference, rebuilt from `base` (the held version) when it came as a delta.
 */
export async function resolveZoneText(wire: ZoneDataWire, read: ZoneTextReader, base?: HeldZoneText): Promise<SignedZone> {
  if (wire.zoneTextDelta) return withZoneTextDelta(wire, base);
  const ref = wire.zoneTextRef;
  if (!ref) {
    const { zoneTextRef: _ref, zoneText, zoneTextDelta: _delta, ...rest } = wire;
    return { ...rest, zoneText: zoneText ?? "" };
  }
  if (ref.size > MAX_ZONE_TEXT_BYTES) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${wire.zone}: zone text of ${ref.size} bytes exceeds ${MAX_ZONE_TEXT_BYTES}`);
  }
  const bytes = await read(ref);
  // Gone (bucket TTL) or not yet visible: a transient failure, the next attempt asks the zone-provider again.
  if (!bytes) throw new Error(`zone ${wire.zone}: object ${ref.name} not found in bucket ${ref.bucket}`);
  return withZoneText(wire, ref, bytes);
}

/** A ZoneTextReader on the NATS connection's JetStream object stores (buckets opened once). */
export function objectStoreReader(nc: NatsConnection): ZoneTextReader {
  const buckets = new Map<string, Promise<ObjectStore>>();
  return async (ref) => {
    let os = buckets.get(ref.bucket);
    if (!os) {
      os = new Objm(nc).open(ref.bucket, false);
      buckets.set(ref.bucket, os);
    }
    const bytes = await (await os).getBlob(ref.name);
    return bytes ?? undefined;
  };
}
