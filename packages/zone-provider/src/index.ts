// Public entry of @pdns-distribute/zone-provider.
export { coalescingZoneSource } from "./coalesce";
export { ZoneReads } from "./zone-reads";
export { watchZoneEvents } from "./read-ahead";
export { loadZoneProviderConfig, retiredZoneProviderKeys, zoneProviderConfigSchema } from "./config";
export { axfrZoneSource, notFoundReply, startZoneDataService } from "./service";
export { buildSignedZone, snapshotFromWire } from "./zone-data";
export { encodeZoneDataReply, needsReference } from "./wire-reply";
export { DeltaPlanner, ZoneVersionCache } from "./incremental";
export { LtHashBackground } from "./lthash-states";
export { createZoneTextStore, zoneTextObjectName } from "./zone-text-store";
export { startZoneDigestService, zoneDigestReply } from "./zone-digest";

export type { ZoneProviderConfig } from "./config";
export type { RequestZoneSource, ZoneDataService, ZoneDataServiceOptions, ZoneSource } from "./service";
export type { ZoneReadsOptions } from "./zone-reads";
export type { ZoneEventWatcher } from "./read-ahead";
export type { ZoneSnapshot } from "./zone-data";
export type { EncodedReply, WireReplyOptions, ZoneTransferKind } from "./wire-reply";
export type { DeltaPlan, FullReason, IncrementalOptions, LtHashPlan, ZoneVersion } from "./incremental";
export type { LtHashVersion } from "./lthash-states";
export type { ZoneTextStore, ZoneTextStoreOptions } from "./zone-text-store";
export type { ZoneDigestServiceOptions } from "./zone-digest";
