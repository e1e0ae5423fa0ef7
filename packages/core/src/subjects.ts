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
  /** Core NATS: secondaries' heartbeats. */
  secondaryHeartbeat: "pdns.secondary.heartbeat",
} as const;

/** Queue group names. */
export const QUEUE_GROUPS = {
  zoneProvider: "pdns-zone-provider",
} as const;

/** Default JetStream stream name for zone events. */
export const DEFAULT_STREAM = "PDNS_ZONE_EVENTS";

/** Durable consumer name of a secondary (one per secondary id). */
export function secondaryConsumerName(secondaryId: string): string {
  return `secondary-${secondaryId}`;
}
