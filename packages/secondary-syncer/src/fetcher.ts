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

/**
 * The zone-data request for `zone`: bound to `binding`, offering `base` for a delta, naming `events` (the ids of
 * the zone events it acts on, so the zone-provider may answer from the read it began when it saw them). More
 * events than a request may name: none (a read after the request, always right).
 */
export function zoneDataRequest(zone: string, binding: ZoneRequestBinding, base?: HeldZoneText, events?: readonly string[]): ZoneDataRequest {
  const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester };
  if (base) request.have = { serial: base.serial, sha256: base.sha256 };
  if (events && events.length > 0 && events.length <= ZONE_DATA_REQUEST_MAX_EVENTS) request.events = [...events];
  return request;
}

/**
 * A fetcher that asks `pdns.zone.data` (with the request's nonce and requester, and the version held when
 * given), validates the reply's shape and puts the zone text in place: read from the object store (its digest
 * checked) for a large zone sent by reference, rebuilt from the held text for a delta. `onReceived` is told
 * how each reply carried the zone and how many bytes it took (the NATS payload plus a referenced object).
 * `timeouts` sets each request's timeout (longer for zones that took long or timed out before).
 */
export function natsZoneFetcher(
  nc: NatsConnection,
  timeouts: ZoneRequestTimeouts,
  onReceived?: (transfer: ZoneDataTransfer, bytes: number) => void,
): ZoneFetcher {
  const readText = objectStoreReader(nc);
  return async (zone, binding, base, events) => {
    const request = zoneDataRequest(zone, binding, base, events);
    const started = Date.now();
    const timeout = timeouts.timeoutFor(zone, base?.zoneText.length);
    let msg: Msg;
    try {
      msg = await nc.request(SUBJECTS.zoneData, encodeMessage(request), { timeout });
    } catch (err) {
      if (err instanceof errors.TimeoutError) {
        timeouts.timedOut(zone); // a large zone may take the zone-provider longer: wait longer next time
        throw new Error(`no zone-data reply within ${timeout} ms`, { cause: err });
      }
      throw err;
    }
    timeouts.succeeded(zone, Date.now() - started);
    const reply = decodeMessage(zoneDataWireReplySchema, msg.data, `zone-data reply for ${zone}`);
    if (reply.type === "error") return reply;
    const transfer: ZoneDataTransfer = reply.zoneTextDelta ? "delta" : reply.zoneTextRef ? "ref" : "inline";
    onReceived?.(transfer, msg.data.byteLength + (reply.zoneTextRef?.size ?? 0));
    return { ...(await resolveZoneText(reply, readText, base)), transfer };
  };
}
