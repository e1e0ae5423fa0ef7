// Requests a zone's signed data from the zone-providers over NATS request/reply (large zones via the object store).
import { SUBJECTS, decodeMessage, encodeMessage, zoneDataWireReplySchema } from "@pdns-distribute/core";
import type { NatsConnection, ZoneDataRequest } from "@pdns-distribute/core";
import type { ZoneFetcher } from "./apply";
import { objectStoreReader, resolveZoneText } from "./zone-text-ref";

/**
 * A fetcher that asks `pdns.zone.data` (with the request's nonce and requester), validates the reply's shape
 * and, for a large zone sent by reference, reads the text from the object store and checks its digest.
 */
export function natsZoneFetcher(nc: NatsConnection, timeoutMs: number): ZoneFetcher {
  const readText = objectStoreReader(nc);
  return async (zone, binding) => {
    const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester };
    const msg = await nc.request(SUBJECTS.zoneData, encodeMessage(request), { timeout: timeoutMs });
    const reply = decodeMessage(zoneDataWireReplySchema, msg.data, `zone-data reply for ${zone}`);
    return reply.type === "error" ? reply : resolveZoneText(reply, readText);
  };
}
