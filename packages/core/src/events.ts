// Typed NATS payloads ({type, version, …} envelopes), validated with zod at the edge.
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { MessageDecodeError } from "./errors";
import { SUBJECTS } from "./subjects";

/** Largest payload we accept from the wire (NATS' default max_payload). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** An RR type mnemonic as zone events carry it (`A`, `NSEC3PARAM`, `TYPE65534`): upper case, at most 16 chars. */
export const RR_TYPE_MNEMONIC = /^[A-Z][A-Z0-9-]{0,15}$/;

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

/** Most RRsets a zone event names; a change touching more carries no `rrsets`. */
export const ZONE_EVENT_MAX_RRSETS = 256;

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
  /**
   * The zone's serial right after the change (PowerDNS' `edited_serial`), set by the api-proxy when it could
   * read it; change tracking compares the secondaries' applied serials with it. Absent on deletes.
   */
  serial: z.number().int().min(0).max(0xffffffff).optional(),
  /**
   * The RRsets the change touched (a PATCH PowerDNS accepted): lower-case absolute names and type mnemonics, at
   * most ZONE_EVENT_MAX_RRSETS. Absent when unknown (any other request, or more RRsets): the whole zone may have
   * changed. With `prevSerial` and `serial` it lets the zone-provider read only these RRsets (docs/scale.md).
   */
  rrsets: z
    .array(z.object({ name: zoneName, type: z.string().regex(RR_TYPE_MNEMONIC) }).strict())
    .max(ZONE_EVENT_MAX_RRSETS)
    .optional(),
  /** The serial PowerDNS served right before the change (read just before forwarding it); absent when unknown. */
  prevSerial: z.number().int().min(0).max(0xffffffff).optional(),
  /**
   * Set on a targeted resync of the content audit (docs/health-checker.md): the secondary fetches the whole zone,
   * offering no held version (no delta), and replaces what it holds even at the same serial. Older secondaries
   * ignore it (an ordinary resync).
   */
  full: z.literal(true).optional(),
});
/** A zone event. */
export type ZoneEvent = z.infer<typeof zoneEventSchema>;

/** A hex SHA-256 (64 lower-case hex digits). */
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
/** A zone-data request nonce: 16-128 base64url characters (no newline can reach the signing message). */
const zoneNonce = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/);
/** A requester id as bound in the signing message (a secondary id; may be empty). */
const zoneRequester = z.string().regex(/^[A-Za-z0-9_.-]{0,128}$/);

/** Request for a zone's signed data. */
export const zoneDataRequestSchema = z.object({
  type: z.literal("zone.data.request"),
  version: z.literal(1),
  zone: zoneName,
  /** Fresh random value (base64url) the signed reply must bind (replay protection); absent: an unbound v1 reply. */
  nonce: zoneNonce.optional(),
  /** Id of the requesting secondary, bound into the reply with the nonce. */
  requester: zoneRequester.optional(),
  /**
   * The version the secondary holds (its SOA serial and the hex SHA-256 of its zone text): the zone-provider
   * may then answer with a delta from it (`zoneTextDelta`) instead of the whole zone. Absent: full zone.
   */
  have: z
    .object({
      serial: z.number().int().min(0).max(0xffffffff),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      /** The LtHash16 digest of the held version's state, when the secondary holds one (a delta can then skip it). */
      lthash: sha256Hex.optional(),
    })
    .optional(),
  /**
   * The requester understands version 3 envelopes (the LtHash16 zone digest, docs/security.md). Absent (older
   * secondaries): versions 1 and 2 only.
   */
  lthash: z.literal(true).optional(),
  /**
   * Ids of the zone events this request answers (at most ZONE_DATA_REQUEST_MAX_EVENTS). The zone-provider may
   * then answer with a read of PowerDNS that began after it had seen all of them (read-ahead) instead of one
   * that begins after the request. Absent: a read after the request.
   */
  events: z.array(z.string().min(1).max(128)).max(64).optional(),
});
/** Most event ids a zone-data request names; a secondary that coalesced more names none. */
export const ZONE_DATA_REQUEST_MAX_EVENTS = 64;
/** Request for a zone's signed data. */
export type ZoneDataRequest = z.infer<typeof zoneDataRequestSchema>;

/** Signed zone data (the signed-zone envelope). */
export const signedZoneSchema = z.object({
  type: z.literal("zone.data"),
  /**
   * 1: unbound (legacy); 2: bound to the request's `nonce` and `requester` (signing message v2); 3: as 2, and also
   * binds the LtHash16 digest of the zone's lines (signing message v3; only to requests that say `lthash: true`).
   */
  version: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  /** The request's nonce (version 2 only). */
  nonce: zoneNonce.optional(),
  /** The request's requester id (version 2 only). */
  requester: zoneRequester.optional(),
  zone: zoneName,
  serial: z.number().int().min(0).max(0xffffffff),
  /** Milliseconds since the epoch when the zone-provider signed the data. */
  timestamp: z.number().int().nonnegative(),
  /** Canonical zone text (see @pdns-distribute/dns renderZoneText). */
  zoneText: z.string(),
  /** Base64 Ed25519 signature over signingMessage(zone, serial, timestamp, zoneText). */
  signature: z.string().min(1),
  /** Version 3: hex SHA-256 of the zone text (signed; what a secondary that applied a delta holds without hashing). */
  textSha256: sha256Hex.optional(),
  /** Version 3: hex LtHash16 digest of the zone's lines (signed). */
  lthash: sha256Hex.optional(),
  /** Version 3, planned as a delta: the hex LtHash16 digest of the version the delta applies to (signed). */
  lthashBase: sha256Hex.optional(),
  /**
   * Version 3: the LtHash16 state of the zone's lines (2048 bytes, base64); the signature covers its digest. Left
   * out of a delta from the requester's own state (`lthashBase`): the secondary computes it from the delta's lines.
   */
  lthashState: z
    .string()
    .regex(/^[A-Za-z0-9+/]{2731}=$/)
    .optional(),
});
/** Signed zone data (the signed-zone envelope). */
export type SignedZone = z.infer<typeof signedZoneSchema>;

/**
 * The zone-provider's signed word that the primary does not have a zone, bound to the zone-data request that
 * asked (its nonce and requester) and to the signing time; signed over absenceSigningMessage (signing.ts).
 */
export const zoneAbsenceSchema = z.object({
  zone: zoneName,
  /** Milliseconds since the epoch when the zone-provider signed it. */
  timestamp: z.number().int().nonnegative(),
  nonce: zoneNonce,
  requester: zoneRequester,
  /** Base64 Ed25519 signature. */
  signature: z.string().min(1),
});
/** A signed "zone not found". */
export type ZoneAbsence = z.infer<typeof zoneAbsenceSchema>;

/** An error reply to a request. */
export const errorReplySchema = z.object({
  type: z.literal("error"),
  version: z.literal(1),
  code: z.string(),
  message: z.string(),
  /**
   * On `PDNSD_ZONE_NOT_FOUND` answering a bound zone-data request: the signed evidence, without which a secondary
   * removes nothing. Older secondaries ignore the field.
   */
  absence: zoneAbsenceSchema.optional(),
});
/** An error reply to a request. */
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** Reply to a zone-data request. */
export const zoneDataReplySchema = z.discriminatedUnion("type", [signedZoneSchema, errorReplySchema]);
/** Reply to a zone-data request. */
export type ZoneDataReply = z.infer<typeof zoneDataReplySchema>;

/**
 * Where a large zone's text is: an object in a JetStream object store (docs/scale.md). The envelope's
 * signature still covers sha256(zone text), so the object is checked against `sha256` and then verified.
 */
export const zoneTextRefSchema = z.object({
  /** Object store bucket. */
  bucket: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** Object name in the bucket. */
  name: z.string().min(1).max(512),
  /** Size of the UTF-8 zone text, bytes. */
  size: z.number().int().nonnegative(),
  /** Hex SHA-256 of the UTF-8 zone text (the digest the signature covers). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
/** Where a large zone's text is stored. */
export type ZoneTextRef = z.infer<typeof zoneTextRefSchema>;

/**
 * An incremental transfer (docs/scale.md): the lines to remove from the text the requester holds (whose
 * SHA-256 is `fromSha256`) and the lines to add with their 0-based positions in the new text. Applying it
 * gives the new zone text, whose SHA-256 the envelope's signature covers, exactly as for a full transfer.
 */
export const zoneTextDeltaSchema = z.object({
  /** Hex SHA-256 of the zone text the delta applies to (the request's `have.sha256`). */
  fromSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Serial of that text. */
  fromSerial: z.number().int().min(0).max(0xffffffff),
  /** Lines of the held text that are gone (without newline). */
  removed: z.array(z.string().max(70_000)),
  /** `[position in the new text, line]`, positions ascending. */
  added: z.array(z.tuple([z.number().int().nonnegative(), z.string().max(70_000)])),
});
/** An incremental transfer from a held zone text. */
export type ZoneTextDeltaWire = z.infer<typeof zoneTextDeltaSchema>;

/**
 * The signed-zone envelope as sent on the wire: the zone text inline (`zoneText`), for a zone too large
 * for one NATS message a reference to it (`zoneTextRef`), or the difference from the version the requester
 * holds (`zoneTextDelta`); exactly one of the three.
 */
export const zoneDataWireSchema = signedZoneSchema
  .extend({ zoneText: z.string().optional(), zoneTextRef: zoneTextRefSchema.optional(), zoneTextDelta: zoneTextDeltaSchema.optional() })
  .refine(
    (z) => Number(z.zoneText !== undefined) + Number(z.zoneTextRef !== undefined) + Number(z.zoneTextDelta !== undefined) === 1,
    "exactly one of zoneText, zoneTextRef and zoneTextDelta",
  );
/** The signed-zone envelope as sent on the wire (inline text or a reference). */
export type ZoneDataWire = z.infer<typeof zoneDataWireSchema>;

/** Reply to a zone-data request as sent on the wire (large zones by reference). */
export const zoneDataWireReplySchema = z.discriminatedUnion("type", [zoneDataWireSchema, errorReplySchema]);
/** Reply to a zone-data request as sent on the wire. */
export type ZoneDataWireReply = z.infer<typeof zoneDataWireReplySchema>;

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
  /**
   * {@link zoneSetDigest} of the (zone, serial) set this secondary serves; absent from secondaries older
   * than the health-checker's digest-first check (they are always compared in full).
   */
  digest: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /**
   * Milliseconds until the next heartbeat (`[secondary] heartbeat_interval_s`): receivers count the secondary
   * inactive after {@link MISSED_HEARTBEATS} of them. Absent from older secondaries: {@link DEFAULT_HEARTBEAT_INTERVAL_MS}.
   */
  intervalMs: z.number().int().positive().optional(),
});
/** Heartbeats a secondary may miss before the health-checker and the api-proxy count it inactive. */
export const MISSED_HEARTBEATS = 3;
/** Heartbeat interval assumed for heartbeats that do not carry `intervalMs` (the secondaries' default), ms. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
/** How long after `hb` its secondary counts as inactive: {@link MISSED_HEARTBEATS} of its intervals, ms. */
export function inactiveAfterMs(hb: Pick<Heartbeat, "intervalMs">): number {
  return MISSED_HEARTBEATS * (hb.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS);
}
/** Heartbeat a secondary publishes every few seconds. */
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * What a secondary serves for a zone after it handled a zone event (`pdns.secondary.<id>.applied`, core
 * NATS): `serial` is the serial now served, null when the zone is not served (deleted, or gone from the primary).
 */
export const secondaryAppliedSchema = z.object({
  type: z.literal("secondary.applied"),
  version: z.literal(1),
  /** The secondary's id. */
  id: z.string().min(1).max(128),
  zone: zoneName,
  serial: z.number().int().min(0).max(0xffffffff).nullable(),
  /** ISO 8601 time the zone was swapped in (or removed). */
  time: z.string(),
});
/** What a secondary serves for a zone after handling an event. */
export type SecondaryApplied = z.infer<typeof secondaryAppliedSchema>;

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

/**
 * Digest of a (zone, serial) set: hex sha256 over the lines `"<zone> <serial>\n"`, zones lower-case and
 * absolute, lines sorted by zone (JS string order). The secondary computes it over what it serves, the
 * health-checker over the primary's zones: equal digests mean the sets are equal.
 */
export function zoneSetDigest(entries: Iterable<readonly [string, number]>): string {
  const list = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hash = createHash("sha256");
  for (const [zone, serial] of list) hash.update(`${zone} ${serial}\n`);
  return hash.digest("hex");
}

/**
 * Zone-state request to one secondary (`pdns.secondary.<id>.state`). With `zone`: that zone only.
 * Without: a page of the full (zone, serial) map in zone order, starting after `after`; follow `next`.
 * `digestOnly`: just the digest and count, no zones.
 */
export const zoneStateRequestSchema = z.object({
  type: z.literal("zone.state.request"),
  version: z.literal(1),
  zone: zoneName.optional(),
  after: z.string().max(255).optional(),
  /** Most zones in the page (the reply also stops before ~900 KB). */
  limit: z.number().int().positive().max(100_000).optional(),
  digestOnly: z.boolean().optional(),
  /** With `zone`: also the digest of the zone text held (the reply's `content`), for the content audit. */
  content: z.literal(true).optional(),
});
/** Zone-state request. */
export type ZoneStateRequest = z.infer<typeof zoneStateRequestSchema>;

/** Reply to a zone-state request: `zones` holds `[zone, serial]` pairs; `next` is the cursor of the next page. */
export const zoneStateSchema = z.object({
  type: z.literal("zone.state"),
  version: z.literal(1),
  id: z.string(),
  /** zoneSetDigest of everything served (not just this page). */
  digest: z.string(),
  /** Zones served in all. */
  count: z.number().int().nonnegative(),
  zones: z.array(z.tuple([z.string(), z.number().int().min(0).max(0xffffffff)])),
  /** Present when more zones follow: pass it as `after`. */
  next: z.string().optional(),
  /**
   * Single-zone requests only: events for this zone have reached the secondary and are not applied yet (it is
   * transferring or about to). A serial behind the primary's is then not a fault (yet).
   */
  pending: z.boolean().optional(),
  /**
   * Single-zone requests with `content`: the stored version's serial, `sha256` the hex SHA-256 of its stored zone
   * text (read and hashed at the request, the digest the zone-provider signs), and `served` the SHA-256 the served
   * version was applied with, when remembered; null when the store holds no version of the zone. Absent from older
   * secondaries.
   */
  content: z
    .object({ serial: z.number().int().min(0).max(0xffffffff), sha256: sha256Hex, served: sha256Hex.optional() })
    .nullable()
    .optional(),
});
/** Reply to a zone-state request. */
export type ZoneState = z.infer<typeof zoneStateSchema>;

/** Reply to a zone-state request (state or error). */
export const zoneStateReplySchema = z.discriminatedUnion("type", [zoneStateSchema, errorReplySchema]);
/** Reply to a zone-state request (state or error). */
export type ZoneStateReply = z.infer<typeof zoneStateReplySchema>;

/**
 * Request for the digest of a zone as the primary has it now (`pdns.zone.digest`, zone-provider queue group): the
 * zone-provider reads the whole zone from PowerDNS (AXFR, never a cached or patched version) for the content audit.
 */
export const zoneDigestRequestSchema = z.object({
  type: z.literal("zone.digest.request"),
  version: z.literal(1),
  zone: zoneName,
});
/** Request for a zone's current digest on the primary. */
export type ZoneDigestRequest = z.infer<typeof zoneDigestRequestSchema>;

/** A zone's digest on the primary: its serial and the hex SHA-256 of its canonical zone text (what would be signed). */
export const zoneDigestSchema = z.object({
  type: z.literal("zone.digest"),
  version: z.literal(1),
  zone: zoneName,
  serial: z.number().int().min(0).max(0xffffffff),
  sha256: sha256Hex,
  /** Records in the zone. */
  records: z.number().int().nonnegative(),
});
/** A zone's digest on the primary. */
export type ZoneDigest = z.infer<typeof zoneDigestSchema>;

/** Reply on `pdns.zone.digest`: the digest, or an error (`PDNSD_ZONE_NOT_FOUND` when the primary lacks the zone). */
export const zoneDigestReplySchema = z.discriminatedUnion("type", [zoneDigestSchema, errorReplySchema]);
/** Reply on `pdns.zone.digest`. */
export type ZoneDigestReply = z.infer<typeof zoneDigestReplySchema>;

/** Request for the health-checker's status (`pdns.health.status`). */
export const healthStatusRequestSchema = z.object({
  type: z.literal("health.status.request"),
  version: z.literal(1),
});
/** Request for the health-checker's status. */
export type HealthStatusRequest = z.infer<typeof healthStatusRequestSchema>;

/** One secondary in the health-checker's status report. */
export const secondaryHealthSchema = z.object({
  id: z.string(),
  name: z.string(),
  dnsAddress: z.string(),
  softwareVersion: z.string(),
  active: z.boolean(),
  /** Configured in `health.static_secondaries`. */
  static: z.boolean(),
  /** ISO time of the last heartbeat, null when never seen. */
  lastHeartbeat: z.string().nullable(),
  zoneCount: z.number().int().nonnegative(),
  /** ISO time this secondary was last compared with the primary, null when never. */
  lastChecked: z.string().nullable(),
  /** Result of the last comparison (zone counts), null when never compared. */
  inSync: z.number().int().nonnegative().nullable(),
  outdated: z.number().int().nonnegative().nullable(),
  missing: z.number().int().nonnegative().nullable(),
  extra: z.number().int().nonnegative().nullable(),
  /** Targeted resyncs published to it since the checker started. */
  resyncs: z.number().int().nonnegative(),
});
/** One secondary in the health-checker's status report. */
export type SecondaryHealth = z.infer<typeof secondaryHealthSchema>;

/** The health-checker's status report (reply on `pdns.health.status`, and the HTTP `/status` body). */
export const healthStatusSchema = z.object({
  type: z.literal("health.status"),
  version: z.literal(1),
  /** Instance id of the answering checker. */
  checker: z.string(),
  /** Whether it holds the lock and acts (false: stand-by). */
  leader: z.boolean(),
  time: z.string(),
  primary: z.object({
    zones: z.number().int().nonnegative().nullable(),
    signedZones: z.number().int().nonnegative().nullable(),
    lastCheck: z.string().nullable(),
    lastCheckMs: z.number().nonnegative().nullable(),
    lastError: z.string().nullable(),
  }),
  secondaries: z.array(secondaryHealthSchema),
});
/** The health-checker's status report. */
export type HealthStatus = z.infer<typeof healthStatusSchema>;

/** Reply on `pdns.health.status` (status or error). */
export const healthStatusReplySchema = z.discriminatedUnion("type", [healthStatusSchema, errorReplySchema]);
