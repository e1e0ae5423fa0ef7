// NATS request/reply worker: answers zone-data requests in a queue group with signed zone data.
import {
  PROTOCOL_ERROR_CODES,
  QUEUE_GROUPS,
  SUBJECTS,
  decodeMessage,
  encodeMessage,
  errorReply,
  signZoneAbsence,
  zoneDataRequestSchema,
} from "@pdns-distribute/core";
import type { ErrorReply, ZoneDataRequest, ZoneRequestBinding } from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import type { Msg, Subscription } from "@nats-io/nats-core";
import { AxfrError, axfrWire, normalizeName } from "@pdns-distribute/dns";
import { buildSignedZone, snapshotFromWire } from "./zone-data";
import type { ZoneSnapshot } from "./zone-data";
import { encodeZoneDataReply } from "./wire-reply";
import type { WireReplyOptions, ZoneTransferKind } from "./wire-reply";
import type { DeltaPlanner } from "./incremental";

/** Reads a zone from the primary: its canonical text, serial and digest. */
export type ZoneSource = (zone: string) => Promise<ZoneSnapshot>;

/**
 * Zone data for one request: `events` are the ids of the zone events the request answers (when it says), so a
 * read that started after they were seen may serve it (see ZoneReads); without them, a read after the request.
 */
export type RequestZoneSource = (zone: string, events?: readonly string[]) => Promise<ZoneSnapshot>;

/** A ZoneSource that AXFRs from PowerDNS over TCP and renders the canonical text straight from wire form. */
export function axfrZoneSource(host: string, port: number, timeoutMs: number): ZoneSource {
  return async (zone) => snapshotFromWire(await axfrWire({ host, port, zone, timeoutMs }));
}

/** Options of the zone-data service. */
export interface ZoneDataServiceOptions {
  source: RequestZoneSource;
  secretKey: Uint8Array;
  concurrency: number;
  logger: Logger;
  /** How large zone texts travel (object store); default: always inline. */
  wire?: WireReplyOptions;
  /** Incremental transfer: remembers served versions and answers requests that say what they hold with a delta. */
  incremental?: DeltaPlanner;
  /**
   * Called once per answered request with its result and duration in seconds, and for served zones how the
   * reply carried it and its size in bytes (metrics).
   */
  onRequest?: (result: "ok" | "not_found" | "invalid" | "failed", seconds: number, transfer?: ZoneTransferKind, bytes?: number) => void;
}

/** A running zone-data service. */
export interface ZoneDataService {
  /** Stops taking requests and waits for the ones in flight. */
  stop(): Promise<void>;
}

/** Answers one request message; every failure becomes an explicit error reply. */
async function answer(msg: Msg, opts: ZoneDataServiceOptions): Promise<void> {
  const started = Date.now();
  let zone = "?";
  let binding: ZoneRequestBinding | undefined;
  try {
    const req = decodeMessage(zoneDataRequestSchema, msg.data, "zone-data request");
    zone = req.zone;
    // Requests from current secondaries carry a nonce: sign per request, bound to it (replay protection).
    binding = bindingOf(req);
    const snapshot = await opts.source(req.zone, req.events);
    const digest = snapshot.digest;
    const version = { serial: snapshot.serial, sha256: digest, text: snapshot.zoneText };
    // A delta only for bound (v2) requests that say what they hold; every served version is remembered.
    const plan = opts.incremental?.plan(normalizeName(req.zone), version, binding ? req.have : undefined, snapshot.patch);
    // Version 3 (the LtHash16 digest signed too) for requesters that understand it, once the state is known.
    const lthash = plan && binding && req.lthash ? opts.incremental?.lthashFor(normalizeName(req.zone), version, plan, req.have) : undefined;
    const signed = buildSignedZone(req.zone, snapshot, opts.secretKey, Date.now(), binding, lthash);
    const wire = opts.wire ?? { inlineMaxBytes: Number.MAX_SAFE_INTEGER, maxPayload: Number.MAX_SAFE_INTEGER };
    const reply = await encodeZoneDataReply(signed, digest, wire, plan?.delta);
    respond(msg, reply.data, opts.logger);
    opts.onRequest?.("ok", (Date.now() - started) / 1000, reply.transfer, reply.data.byteLength);
    const log: Record<string, unknown> = { zone, serial: signed.serial, records: snapshot.records, read: snapshot.read, sha256: digest, transfer: reply.transfer, bytes: reply.data.byteLength, ms: Date.now() - started };
    if (req.have) {
      log.fromSerial = req.have.serial;
      if (plan?.delta) log.delta = { removed: plan.delta.removed.length, added: plan.delta.added.length };
      else if (plan) log.fullBecause = plan.reason;
    }
    if (lthash) log.lthash = lthash.base ? "from-base" : "with-state";
    opts.logger.info(log, "zone data served");
  } catch (err) {
    if (err instanceof AxfrError && err.notFound) {
      opts.logger.warn({ zone }, "zone-data request for a zone the primary does not have");
      respond(msg, notFoundReply(zone, opts.secretKey, binding), opts.logger);
      opts.onRequest?.("not_found", (Date.now() - started) / 1000);
      return;
    }
    const e = err as Error & { code?: string };
    const code = e.code ?? PROTOCOL_ERROR_CODES.zoneDataFailed;
    // PowerDNS down or the transfer broken: say so plainly; the secondary retries with backoff.
    const message = err instanceof AxfrError ? `zone ${zone}: cannot read it from the primary: ${e.message}` : e.message;
    opts.logger.error({ zone, err: message, code }, "zone-data request failed");
    respond(msg, errorReply(code, message), opts.logger);
    opts.onRequest?.(code === PROTOCOL_ERROR_CODES.messageInvalid ? "invalid" : "failed", (Date.now() - started) / 1000);
  }
}

/** The binding a request asks its reply to carry; undefined for an unbound (v1) request. */
function bindingOf(req: ZoneDataRequest): ZoneRequestBinding | undefined {
  return req.nonce === undefined ? undefined : { nonce: req.nonce, requester: req.requester ?? "" };
}

/**
 * "Zone not found", signed and bound to the request when it carries a nonce: a secondary removes a zone only on
 * this evidence, so a forged `zone.delete` event (or a forged reply) cannot take a zone down.
 */
export function notFoundReply(zone: string, secretKey: Uint8Array, binding: ZoneRequestBinding | undefined): ErrorReply {
  const reply = errorReply(PROTOCOL_ERROR_CODES.zoneNotFound, `zone ${zone} not found on the primary`);
  if (binding) reply.absence = signZoneAbsence(zone, secretKey, binding);
  return reply;
}

/** Replies, never throwing (a request without reply subject, or the connection closing meanwhile). */
function respond(msg: Msg, body: unknown, logger: Logger): void {
  try {
    if (!msg.respond(body instanceof Uint8Array ? body : encodeMessage(body))) logger.warn({ subject: msg.subject }, "zone-data request without a reply subject ignored");
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "could not send a zone-data reply");
  }
}

/** Subscribes to zone-data requests in the zone-provider queue group. */
export function startZoneDataService(nc: NatsConnection, opts: ZoneDataServiceOptions): ZoneDataService {
  const sub: Subscription = nc.subscribe(SUBJECTS.zoneData, { queue: QUEUE_GROUPS.zoneProvider });
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      while (inFlight.size >= opts.concurrency) await Promise.race(inFlight);
      const p = answer(msg, opts).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();
  return {
    async stop() {
      await sub.drain();
      await loop;
      await Promise.all(inFlight);
    },
  };
}
