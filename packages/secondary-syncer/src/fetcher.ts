// Requests a zone's signed data from the zone-providers over NATS request/reply (large zones via the object
// store, changes as deltas from the held version).
import { SUBJECTS, decodeMessage, encodeMessage, zoneDataWireReplySchema } from "@pdns-distribute/core";
import type { NatsConnection, ZoneDataRequest } from "@pdns-distribute/core";
import { errors } from "@nats-io/nats-core";
import type { Msg } from "@nats-io/nats-core";
import type { ZoneRequestTimeouts } from "./request-timeouts";
import type { ZoneDataTransfer, ZoneFetcher } from "./apply";
import { objectStoreReader, resolveZoneText } from "./zone-text-ref";

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
  return async (zone, binding, base) => {
    const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester };
    if (base) request.have = { serial: base.serial, sha256: base.sha256 };
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
