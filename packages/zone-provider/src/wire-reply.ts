// Chooses how a signed zone travels: zone text inline (small zones) or by object-store reference (large ones).
import { encodeMessage } from "@pdns-distribute/core";
import type { SignedZone, ZoneDataWire, ZoneTextDeltaWire } from "@pdns-distribute/core";
import type { ZoneTextStore } from "./zone-text-store";

/** Room kept under the server's max_payload for NATS headers and the reply subject, bytes. */
export const PAYLOAD_HEADROOM = 4096;

/** How zone-data replies are sized. */
export interface WireReplyOptions {
  /** Zone texts larger than this (UTF-8 bytes) go to the object store. */
  inlineMaxBytes: number;
  /** The server's max_payload, bytes: an inline reply must fit in it. */
  maxPayload: number;
  /** Where large zone texts go; without it every reply is inline (and a too-large one fails to send). */
  store?: ZoneTextStore;
}

/** How a reply carries the zone: text inline, object-store reference, or delta from the requester's version. */
export type ZoneTransferKind = "inline" | "ref" | "delta";

/** An encoded zone-data reply and how it carries the zone. */
export interface EncodedReply {
  data: Uint8Array;
  transfer: ZoneTransferKind;
}

/**
 * Whether a zone text of `textBytes` (and, once encoded inline, `encodedBytes`) must go by reference.
 * Pure: the inline reply must stay under both the configured limit and the payload limit.
 */
export function needsReference(textBytes: number, encodedBytes: number | undefined, inlineMaxBytes: number, maxPayload: number): boolean {
  if (textBytes > inlineMaxBytes) return true;
  return encodedBytes !== undefined && encodedBytes > maxPayload - PAYLOAD_HEADROOM;
}

/**
 * The encoded reply for `signed` (whose zone text has hex SHA-256 `digest`): with `delta`, the envelope with
 * `zoneTextDelta` instead of `zoneText` when it fits in one message; else the envelope as is when it fits,
 * else the same envelope with `zoneTextRef` instead of `zoneText` after storing the text. The signature is
 * the same in all three: it covers the digest of the full text (and, version 3, its LtHash16 digest). A version 3
 * delta from the requester's own state (`lthashBase`) leaves the 2048-byte state out.
 */
export async function encodeZoneDataReply(signed: SignedZone, digest: string, opts: WireReplyOptions, delta?: ZoneTextDeltaWire): Promise<EncodedReply> {
  if (delta) {
    // The difference from the version the requester holds; the signature covers the resulting text's digest.
    const { zoneText: _full, ...rest } = signed;
    const wire: ZoneDataWire = { ...rest, zoneTextDelta: delta };
    // Version 3 from the requester's own state: it updates that state from the delta's lines, so the state stays home.
    if (signed.lthashBase !== undefined) delete wire.lthashState;
    const encoded = encodeMessage(wire);
    if (encoded.byteLength <= opts.maxPayload - PAYLOAD_HEADROOM) return { data: encoded, transfer: "delta" };
  }
  const textBytes = Buffer.byteLength(signed.zoneText, "utf8");
  let encoded: Uint8Array | undefined;
  if (textBytes <= opts.inlineMaxBytes) {
    encoded = encodeMessage(signed);
    if (!opts.store || !needsReference(textBytes, encoded.byteLength, opts.inlineMaxBytes, opts.maxPayload)) return { data: encoded, transfer: "inline" };
  }
  if (!opts.store) return { data: encoded ?? encodeMessage(signed), transfer: "inline" };
  const zoneTextRef = await opts.store.put(signed.zone, digest, signed.zoneText);
  const { zoneText: _inline, ...rest } = signed;
  const wire: ZoneDataWire = { ...rest, zoneTextRef };
  return { data: encodeMessage(wire), transfer: "ref" };
}
