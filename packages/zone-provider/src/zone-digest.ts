// Answers zone-digest requests (pdns.zone.digest, content audit): the zone read whole from PowerDNS, its serial and text digest.
import { PROTOCOL_ERROR_CODES, QUEUE_GROUPS, SUBJECTS, decodeMessage, encodeMessage, errorReply, zoneDigestRequestSchema } from "@pdns-distribute/core";
import type { Logger, NatsConnection, ZoneDigest, ZoneDigestReply } from "@pdns-distribute/core";
import type { Msg } from "@nats-io/nats-core";
import { AxfrError, normalizeName } from "@pdns-distribute/dns";
import type { ZoneSource } from "./service";
import type { ZoneDataResult } from "./metrics";

/** Options of the zone-digest service. */
export interface ZoneDigestServiceOptions {
  /** Reads the whole zone from PowerDNS (AXFR): never a cached or patched version, so the audit sees what is there. */
  source: ZoneSource;
  /** Requests answered at once (more wait); audits come one zone at a time, so 1–2 is plenty. */
  concurrency: number;
  logger: Logger;
  /** Called once per answered request with its result (metrics). */
  onRequest?: (result: ZoneDataResult) => void;
}

/** The reply to one zone-digest request message (never throws). */
export async function zoneDigestReply(data: Uint8Array, source: ZoneSource): Promise<{ reply: ZoneDigestReply; result: ZoneDataResult; zone?: string }> {
  let zone: string;
  try {
    zone = normalizeName(decodeMessage(zoneDigestRequestSchema, data, "zone-digest request").zone);
  } catch (err) {
    return { reply: errorReply(PROTOCOL_ERROR_CODES.messageInvalid, (err as Error).message), result: "invalid" };
  }
  try {
    const snap = await source(zone);
    const reply: ZoneDigest = { type: "zone.digest", version: 1, zone, serial: snap.serial, sha256: snap.digest, records: snap.records };
    return { reply, result: "ok", zone };
  } catch (err) {
    if (err instanceof AxfrError && err.notFound) {
      return { reply: errorReply(PROTOCOL_ERROR_CODES.zoneNotFound, `zone ${zone} not found on the primary`), result: "not_found", zone };
    }
    const message = `zone ${zone}: cannot read it from the primary: ${(err as Error).message}`;
    return { reply: errorReply(PROTOCOL_ERROR_CODES.zoneDataFailed, message), result: "failed", zone };
  }
}

/** Subscribes to zone-digest requests in the zone-provider queue group; returns the stop function (waits for those in flight). */
export function startZoneDigestService(nc: NatsConnection, opts: ZoneDigestServiceOptions): () => Promise<void> {
  const sub = nc.subscribe(SUBJECTS.zoneDigest, { queue: QUEUE_GROUPS.zoneProvider });
  const inFlight = new Set<Promise<void>>();
  const answer = async (msg: Msg) => {
    const started = Date.now();
    const { reply, result, zone } = await zoneDigestReply(msg.data, opts.source);
    try {
      msg.respond(encodeMessage(reply));
    } catch (err) {
      opts.logger.warn({ err: (err as Error).message }, "could not send a zone-digest reply");
    }
    opts.onRequest?.(result);
    const log = { zone, result, ms: Date.now() - started, ...(reply.type === "zone.digest" ? { serial: reply.serial, sha256: reply.sha256 } : { err: reply.message }) };
    if (result === "ok") opts.logger.debug(log, "zone digest served");
    else opts.logger.warn(log, "zone-digest request not answered with a digest");
  };
  const loop = (async () => {
    for await (const msg of sub) {
      while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
      const p = answer(msg).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return async () => {
    await sub.drain();
    await loop;
    await Promise.all(inFlight);
  };
}
