// Resolves a large zone's text from the JetStream object store, only once its envelope verifies, and checks it against the signed digest.
import { createHash } from "node:crypto";
import { Objm } from "@nats-io/obj";
import type { ObjectStore } from "@nats-io/obj";
import type { NatsConnection, SignedZone, ZoneDataWire, ZoneTextRef } from "@pdns-distribute/core";
import { RejectedZoneError } from "./apply";
import { UnverifiedReplyError } from "./reply-verification";
import type { EnvelopeCheck } from "./reply-verification";
import { withZoneTextDelta } from "./zone-text-delta";
import type { HeldZoneText } from "./zone-text-delta";

/** Largest zone text accepted by reference, bytes. */
export const MAX_ZONE_TEXT_BYTES = 1024 * 1024 * 1024;

/** Reads the bytes of a referenced zone text; undefined when the object is not (or no longer) there. */
export type ZoneTextReader = (ref: ZoneTextRef) => Promise<Uint8Array | undefined>;

/**
 * The signed-zone envelope with the referenced text in place (pure). The bytes must have the announced size
 * and SHA-256 (the digest the signature covers), else they are not what was signed (UnverifiedReplyError).
 */
export function withZoneText(wire: ZoneDataWire, ref: ZoneTextRef, bytes: Uint8Array): SignedZone {
  if (bytes.byteLength !== ref.size) {
    throw new UnverifiedReplyError("PDNSD_ZONE_TEXT_MISMATCH", `zone ${wire.zone}: object ${ref.name} has ${bytes.byteLength} bytes, reference says ${ref.size}`);
  }
  const digest = createHash("sha256").update(bytes).digest("hex");
  if (digest !== ref.sha256) {
    throw new UnverifiedReplyError("PDNSD_ZONE_TEXT_MISMATCH", `zone ${wire.zone}: object ${ref.name} does not match its sha256 digest`);
  }
  const { zoneTextRef: _ref, zoneText: _inline, zoneTextDelta: _delta, ...rest } = wire;
  return { ...rest, zoneText: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") };
}

/**
 * The signed-zone envelope with its zone text: inline as is, rebuilt from `base` (the held version) when it came
 * as a delta, read from the object store when it came by reference. A reference is followed only after
 * `verifyFirst` accepted the envelope against the referenced digest: nothing is downloaded for a reply whose
 * signature does not verify.
 */
export async function resolveZoneText(wire: ZoneDataWire, read: ZoneTextReader, base?: HeldZoneText, verifyFirst?: EnvelopeCheck): Promise<SignedZone> {
  if (wire.zoneTextDelta) return withZoneTextDelta(wire, base);
  const ref = wire.zoneTextRef;
  if (!ref) {
    const { zoneTextRef: _ref, zoneText, zoneTextDelta: _delta, ...rest } = wire;
    return { ...rest, zoneText: zoneText ?? "" };
  }
  if (ref.size > MAX_ZONE_TEXT_BYTES) {
    throw new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", `zone ${wire.zone}: zone text of ${ref.size} bytes exceeds ${MAX_ZONE_TEXT_BYTES}`);
  }
  if (verifyFirst) {
    const { zoneTextRef: _ref, zoneText: _inline, zoneTextDelta: _delta, ...header } = wire;
    verifyFirst(header, ref.sha256);
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
    const store = await os;
    // The reference's size is not signed (its digest is): an object of another size is not downloaded at all.
    const info = await store.info(ref.name);
    if (!info) return undefined;
    if (info.size !== ref.size) throw new UnverifiedReplyError("PDNSD_ZONE_TEXT_MISMATCH", `object ${ref.name} has ${info.size} bytes, reference says ${ref.size}`);
    const bytes = await store.getBlob(ref.name);
    return bytes ?? undefined;
  };
}
