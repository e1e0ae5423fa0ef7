// Requests a zone's signed data from the zone-providers over NATS request/reply.
import { SUBJECTS, decodeMessage, encodeMessage, zoneDataReplySchema } from "@pdns-distribute/core";
import type { NatsConnection, ZoneDataRequest } from "@pdns-distribute/core";
import type { ZoneFetcher } from "./apply";

/** A fetcher that asks `pdns.zone.data` (with the request's nonce and requester) and validates the reply's shape. */
export function natsZoneFetcher(nc: NatsConnection, timeoutMs: number): ZoneFetcher {
  return async (zone, binding) => {
    const request: ZoneDataRequest = { type: "zone.data.request", version: 1, zone, nonce: binding.nonce, requester: binding.requester };
    const msg = await nc.request(SUBJECTS.zoneData, encodeMessage(request), { timeout: timeoutMs });
    return decodeMessage(zoneDataReplySchema, msg.data, `zone-data reply for ${zone}`);
  };
}
