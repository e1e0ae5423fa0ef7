// Public entry of @pdns-distribute/secondary-syncer.
export * from "./answer";
export { RejectedZoneError, TransientSyncError, applyZoneEvent, parseSignedZoneRecords } from "./apply";
export { loadSecondarySyncerConfig, publicKeyOf, secondarySyncerConfigSchema } from "./config";
export { startEventConsumer } from "./consumer";
export { APPLY_DECISION, decideApply } from "./decide";
export { natsZoneFetcher } from "./fetcher";
export { buildHeartbeat, startHeartbeat } from "./heartbeat";
export { loadStoredZones, startSecondary } from "./secondary";
export { createServedZones } from "./served-zones";
export { openZoneStore } from "./store";

export type { ApplyDeps, ApplyOutcome, ServedZones, ZoneFetcher } from "./apply";
export type { SecondarySyncerConfig } from "./config";
export type { EventConsumer, EventConsumerOptions } from "./consumer";
export type { ApplyDecision, ZoneVersion } from "./decide";
export type { HeartbeatSource } from "./heartbeat";
export type { Secondary } from "./secondary";
export type { ServedZoneSet } from "./served-zones";
export type { StoredZone, ZoneStore } from "./store";
