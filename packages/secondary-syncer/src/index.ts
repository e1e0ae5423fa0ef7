// Public entry of @pdns-distribute/secondary-syncer.
export * from "./answer";
export { appliedMessageOf, publishApplied } from "./applied";
export { RejectedZoneError, TransientSyncError, applyZoneEvent, applyZonePlan, parseSignedZoneRecords } from "./apply";
export { loadSecondarySyncerConfig, publicKeyOf, secondarySyncerConfigSchema, trustedPublicKeys } from "./config";
export { MAX_EVENT_BYTES, retryDelayMs, runBounded, startEventConsumer } from "./consumer";
export { APPLY_DECISION, coalesceEvents, decideApply } from "./decide";
export { natsZoneFetcher } from "./fetcher";
export { createSyncMetrics } from "./metrics";
export { buildHeartbeat, startHeartbeat } from "./heartbeat";
export { loadStoredZones, startSecondary } from "./secondary";
export { createServedZones } from "./served-zones";
export { openZoneStore } from "./store";
export { buildZoneState, createZoneStateTracker, startZoneStateResponder } from "./zone-state";
export { MAX_ZONE_TEXT_BYTES, objectStoreReader, resolveZoneText, withZoneText } from "./zone-text-ref";
export { UnusableDeltaError, withZoneTextDelta } from "./zone-text-delta";

export type { ApplyDeps, ApplyOutcome, FetchedZoneReply, ServedZones, ZoneDataTransfer, ZoneFetcher } from "./apply";
export type { SecondarySyncerConfig } from "./config";
export type { ConsumerOutcome, EventConsumer, EventConsumerOptions } from "./consumer";
export type { ApplyDecision, PendingZoneEvent, ZonePlan, ZoneVersion } from "./decide";
export type { HeartbeatSource } from "./heartbeat";
export type { SyncMetrics } from "./metrics";
export type { Secondary } from "./secondary";
export type { ServedZoneSet } from "./served-zones";
export type { StoredZone, ZoneStore } from "./store";
export type { ZoneStateSnapshot, ZoneStateTracker } from "./zone-state";
export type { ZoneTextReader } from "./zone-text-ref";
export type { HeldZoneText } from "./zone-text-delta";
