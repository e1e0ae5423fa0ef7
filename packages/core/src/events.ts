// Typed NATS payloads ({type, version, …} envelopes), validated with zod at the edge.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { MessageDecodeError } from "./errors";
import { SUBJECTS } from "./subjects";

/** Largest payload we accept from the wire (NATS' default max_payload). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const zoneName = z
  .string()
  .min(1)
  .max(255)
  .regex(/\.$/, "zone name must be absolute (end with '.')");

/** Kinds of zone events. */
export const ZONE_EVENT_TYPES = {
  add: "zone.add",
  modified: "zone.modified",
  delete: "zone.delete",
} as const;

/** One of `zone.add`, `zone.modified`, `zone.delete`. */
export type ZoneEventType = (typeof ZONE_EVENT_TYPES)[keyof typeof ZONE_EVENT_TYPES];

/** A zone event as published to the JetStream stream. */
export const zoneEventSchema = z.object({
  type: z.enum(["zone.add", "zone.modified", "zone.delete"]),
  version: z.literal(1),
  /** Unique event id; also the JetStream Nats-Msg-Id (duplicate publishes are dropped). */
  id: z.string().min(1).max(128),
  zone: zoneName,
  /** ISO 8601 time the event was created. */
  time: z.string(),
  /** What produced the event, e.g. "api-proxy". */
  source: z.string().max(128).optional(),
  /**
   * Set on a targeted resync: the id of the one secondary that must act on it; every other secondary
   * acks and ignores it. Absent on events for everyone.
   */
  target: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
});
/** A zone event. */
export type ZoneEvent = z.infer<typeof zoneEventSchema>;

/** Request for a zone's signed data. */
export const zoneDataRequestSchema = z.object({
  type: z.literal("zone.data.request"),
  version: z.literal(1),
  zone: zoneName,
});
/** Request for a zone's signed data. */
export type ZoneDataRequest = z.infer<typeof zoneDataRequestSchema>;

/** Signed zone data (the signed-zone envelope). */
export const signedZoneSchema = z.object({
  type: z.literal("zone.data"),
  version: z.literal(1),
  zone: zoneName,
  serial: z.number().int().min(0).max(0xffffffff),
  /** Milliseconds since the epoch when the zone-provider signed the data. */
  timestamp: z.number().int().nonnegative(),
  /** Canonical zone text (see @pdns-distribute/dns renderZoneText). */
  zoneText: z.string(),
  /** Base64 Ed25519 signature over signingMessage(zone, serial, timestamp, zoneText). */
  signature: z.string().min(1),
});
/** Signed zone data (the signed-zone envelope). */
export type SignedZone = z.infer<typeof signedZoneSchema>;

/** An error reply to a request. */
export const errorReplySchema = z.object({
  type: z.literal("error"),
  version: z.literal(1),
  code: z.string(),
  message: z.string(),
});
/** An error reply to a request. */
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** Reply to a zone-data request. */
export const zoneDataReplySchema = z.discriminatedUnion("type", [signedZoneSchema, errorReplySchema]);
/** Reply to a zone-data request. */
export type ZoneDataReply = z.infer<typeof zoneDataReplySchema>;

/** Heartbeat a secondary publishes every few seconds. */
export const heartbeatSchema = z.object({
  type: z.literal("secondary.heartbeat"),
  version: z.literal(1),
  id: z.string().min(1).max(128),
  name: z.string().max(255),
  dnsAddress: z.string(),
  softwareVersion: z.string(),
  zoneCount: z.number().int().nonnegative(),
  time: z.string(),
});
/** Heartbeat a secondary publishes every few seconds. */
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Builds a new zone event with a fresh id and the current time; `target` addresses one secondary. */
export function newZoneEvent(type: ZoneEventType, zone: string, source?: string, target?: string): ZoneEvent {
  const event: ZoneEvent = { type, version: 1, id: randomUUID(), zone, time: new Date().toISOString(), source };
  if (target !== undefined) event.target = target;
  return event;
}

/**
 * The subject a zone event is published on: `pdns.zone.events.<add|modified|delete>` for everyone,
 * `pdns.zone.events.<add|modified|delete>.<secondary id>` for a targeted resync.
 */
export function subjectForZoneEvent(type: ZoneEventType, target?: string): string {
  let subject: string;
  switch (type) {
    case "zone.add":
      subject = SUBJECTS.zoneAdd;
      break;
    case "zone.modified":
      subject = SUBJECTS.zoneModified;
      break;
    case "zone.delete":
      subject = SUBJECTS.zoneDelete;
      break;
  }
  return target === undefined ? subject : `${subject}.${target}`;
}

/** JSON-encodes a message for the wire. */
export function encodeMessage(message: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(message), "utf8");
}

/** Decodes and validates a wire message; throws MessageDecodeError with the reason. */
export function decodeMessage<S extends z.ZodType>(schema: S, data: Uint8Array, what: string): z.infer<S> {
  if (data.byteLength > MAX_MESSAGE_BYTES) {
    throw new MessageDecodeError(`${what}: message of ${data.byteLength} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8"));
  } catch (err) {
    throw new MessageDecodeError(`${what}: not JSON`, { cause: err });
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new MessageDecodeError(`${what}: ${detail}`);
  }
  return result.data;
}

/** Builds an error reply. */
export function errorReply(code: string, message: string): ErrorReply {
  return { type: "error", version: 1, code, message };
}
