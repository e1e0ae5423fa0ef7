// NATS subjects and JetStream names: the one place they are defined (documented in docs/events.md).

/** All subjects used by pdns-distribute. */
export const SUBJECTS = {
  /** Prefix of zone events kept in the JetStream stream (`pdns.zone.events.>`). */
  zoneEventsWildcard: "pdns.zone.events.>",
  /** Zone created on the primary. */
  zoneAdd: "pdns.zone.events.add",
  /** Zone content, metadata or keys changed on the primary. */
  zoneModified: "pdns.zone.events.modified",
  /** Zone deleted on the primary. */
  zoneDelete: "pdns.zone.events.delete",
  /** Request/reply: signed zone data (served by zone-provider in a queue group). */
  zoneData: "pdns.zone.data",
  /** Request/reply: a zone's current digest read from the primary, for the content audit (zone-provider queue group). */
  zoneDigest: "pdns.zone.digest",
  /** Core NATS: secondaries' heartbeats. */
  secondaryHeartbeat: "pdns.secondary.heartbeat",
  /** Core NATS: every secondary's "applied" messages (`pdns.secondary.<id>.applied`), for subscribers. */
  secondaryAppliedWildcard: "pdns.secondary.*.applied",
  /** Request/reply: the running (lock-holding or stand-by) health-checker's status report. */
  healthStatus: "pdns.health.status",
} as const;

/** Queue group names. */
export const QUEUE_GROUPS = {
  zoneProvider: "pdns-zone-provider",
} as const;

/**
 * JetStream stream of zone events. Fixed (not a config key): every daemon and the NATS permissions must agree on it,
 * and its subjects (`pdns.zone.events.>`) cannot belong to two streams anyway.
 */
export const ZONE_EVENT_STREAM = "PDNS_ZONE_EVENTS";

/** JetStream object store of zone texts too large to travel inline (docs/scale.md); fixed like the stream. */
export const ZONE_TEXT_BUCKET = "PDNS_ZONE_TEXT";

/** Durable consumer name of a secondary (one per secondary id). */
export function secondaryConsumerName(secondaryId: string): string {
  return `secondary-${secondaryId}`;
}

/** Request/reply subject on which secondary `secondaryId` answers zone-state requests (`pdns.secondary.<id>.state`). */
export function secondaryStateSubject(secondaryId: string): string {
  return `pdns.secondary.${secondaryId}.state`;
}

/** Core NATS subject on which secondary `secondaryId` reports each zone it applied (`pdns.secondary.<id>.applied`). */
export function secondaryAppliedSubject(secondaryId: string): string {
  return `pdns.secondary.${secondaryId}.applied`;
}

/** JetStream KV bucket holding the health-checker's single-active lock; fixed like the stream. */
export const HEALTH_LOCK_BUCKET = "PDNS_HEALTH_LOCK";
