// Requests a zone's signed data from the zone-providers over NATS request/reply (large zones via the object
// store, changes as deltas from the held version).
import { SUBJECTS, decodeMessage, encodeMessage, zoneDataWireReplySchema } from "@pdns-distribute/core";
import type { NatsConnection, ZoneDataRequest } from "@pdns-distribute/core";
import type { ZoneDataTransfer, ZoneFetcher } from "./apply";
import { objectStoreReader, resolveZoneText } from "./zone-text-ref";

/**
 * A fetcher that asks `pdns.zone.data` (with the request's nonce and requester, and the version held when
 * given), validates the reply's shape and puts the zone text in place: read from the object store (its digest
 * checked) for a large zone sent by reference, rebuilt from the held text for a delta. `onReceived` is told
 * how each reply carried the zone and how many bytes it took (the NATS payload plus a referenced object).
 */
export function natsZoneFetcher(nc: NatsConnection, timeoutMs: number, onReceived?: (transfer: ZoneDataTransfer, bytes: number) => void): ZoneFetcher {
  const readText = objectStoreReader(nc);
  return async (zone, binding, base) => {
    const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester };
    if (base) request.have = { serial: base.serial, sha256: base.sha256 };
    const msg = await nc.request(SUBJECTS.zoneData, encodeMessage(request), { timeout: timeoutMs });
    const reply = decodeMessage(zoneDataWireReplySchema, msg.data, `zone-data reply for ${zone}`);
    if (reply.type === "error") return reply;
    const transfer: ZoneDataTransfer = reply.zoneTextDelta ? "delta" : reply.zoneTextRef ? "ref" : "inline";
    onReceived?.(transfer, msg.data.byteLength + (reply.zoneTextRef?.size ?? 0));
    return { ...(await resolveZoneText(reply, readText, base)), transfer };
  };
}
