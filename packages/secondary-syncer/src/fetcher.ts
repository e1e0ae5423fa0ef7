// Requests a zone's signed data from the zone-providers over NATS request/reply (large zones via the object
// store, changes as deltas from the held version).
import { SUBJECTS, ZONE_DATA_REQUEST_MAX_EVENTS, decodeMessage, encodeMessage, zoneDataWireReplySchema } from "@pdns-distribute/core";
import type { NatsConnection, ZoneDataRequest, ZoneRequestBinding } from "@pdns-distribute/core";
import { errors } from "@nats-io/nats-core";
import type { Msg } from "@nats-io/nats-core";
import type { ZoneRequestTimeouts } from "./request-timeouts";
import type { ZoneDataTransfer, ZoneFetcher } from "./apply";
import type { HeldZoneText } from "./zone-text-delta";
import { objectStoreReader, resolveZoneText } from "./zone-text-ref";
import type { ZoneTextReader } from "./zone-text-ref";

/**
 * The zone-data request for `zone`: bound to `binding`, offering `base` for a delta, naming `events` (the ids of
 * the zone events it acts on, so the zone-provider may answer from the read it began when it saw them). More
 * events than a request may name: none (a read after the request, always right).
 */
export function zoneDataRequest(zone: string, binding: ZoneRequestBinding, base?: HeldZoneText, events?: readonly string[]): ZoneDataRequest {
  // lthash: version 3 replies are understood (the zone's LtHash16 digest signed too; docs/security.md).
  const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester, lthash: true };
  if (base) request.have = { serial: base.serial, sha256: base.sha256 };
  if (base?.lthash) Object.assign(request.have as object, { lthash: base.lthash.digest() });
  if (events && events.length > 0 && events.length <= ZONE_DATA_REQUEST_MAX_EVENTS) request.events = [...events];
  return request;
}

/**
 * A fetcher that asks `pdns.zone.data` (with the request's nonce and requester, and the version held when
 * given), validates the reply's shape and puts the zone text in place: read from the object store for a large
 * zone sent by reference (only after the fetch's `verifyFirst` accepted the envelope; the object's size and
 * digest checked), rebuilt from the held text for a delta. `onReceived` is told how each reply carried the zone
 * and how many bytes it took (the NATS payload plus the bytes of a referenced object actually downloaded).
 * `timeouts` sets each request's timeout (longer for zones that took long or timed out before).
 */
export function natsZoneFetcher(
  nc: NatsConnection,
  timeouts: ZoneRequestTimeouts,
  onReceived?: (transfer: ZoneDataTransfer, bytes: number) => void,
): ZoneFetcher {
  const readText = objectStoreReader(nc);
  return async (zone, binding, base, events, verifyFirst) => {
    const msg = await requestZoneData(nc, timeouts, zoneDataRequest(zone, binding, base, events), base && (base.length ?? base.zoneText.length));
    const reply = decodeMessage(zoneDataWireReplySchema, msg.data, `zone-data reply for ${zone}`);
    if (reply.type === "error") return reply;
    const transfer: ZoneDataTransfer = reply.zoneTextDelta ? "delta" : reply.zoneTextRef ? "ref" : "inline";
    let downloaded = 0;
    const read: ZoneTextReader = async (ref) => {
      const bytes = await readText(ref);
      downloaded = bytes?.byteLength ?? 0;
      return bytes;
    };
    try {
      const signed = await resolveZoneText(reply, read, base, verifyFirst);
      // A referenced text was checked against the signed digest: apply need not hash it again (nor a text rebuilt
      // from a version 3 delta, whose lines the LtHash16 state binds: `sha256` is then the signed text digest).
      if (reply.zoneTextRef) return { ...signed, transfer, sha256: reply.zoneTextRef.sha256 };
      // The delta goes along: the answer engine may apply its RRsets to the zone served instead of compiling it whole.
      // Assigned, not spread: a text rebuilt as lines is joined only when read (withZoneTextDelta).
      return Object.assign(signed, reply.zoneTextDelta ? { transfer, delta: reply.zoneTextDelta } : { transfer });
    } finally {
      onReceived?.(transfer, msg.data.byteLength + downloaded);
    }
  };
}

/** Sends one zone-data request with the zone's current timeout; a timeout lengthens the next one. */
async function requestZoneData(nc: NatsConnection, timeouts: ZoneRequestTimeouts, request: ZoneDataRequest, heldBytes?: number): Promise<Msg> {
  const started = Date.now();
  const timeout = timeouts.timeoutFor(request.zone, heldBytes);
  try {
    const msg = await nc.request(SUBJECTS.zoneData, encodeMessage(request), { timeout });
    timeouts.succeeded(request.zone, Date.now() - started);
    return msg;
  } catch (err) {
    if (err instanceof errors.TimeoutError) {
      timeouts.timedOut(request.zone); // a large zone may take the zone-provider longer: wait longer next time
      throw new Error(`no zone-data reply within ${timeout} ms`, { cause: err });
    }
    throw err;
  }
}
