// Public entry of @pdns-distribute/api-proxy.
export { startChangeTracking } from "./changes";
export { classifyRequest, decodeZoneId, zoneNameFromCreateResponse } from "./classify";
export { OUTBOX_STORE_AFTER_MS, apiProxyConfigSchema, loadApiProxyConfig, retiredApiProxyKeys } from "./config";
export { createSoaSerialReader, encodeSoaQuery, soaSerialFromResponse } from "./dns-serial";
export { openOutbox } from "./outbox";
export { PatchBatcher, combinablePatch, combinedPatchBody, writeZoneKey } from "./patch-batch";
export { startApiProxy } from "./proxy";
export { jetStreamPublisher } from "./publisher";
export { startOutboxRelay } from "./relay";
export { WriteGateError, createWriteGate, isWriteMethod } from "./write-gate";

export type { ChangeTracking, ChangeTrackingOptions } from "./changes";
export type { ZoneChange } from "./classify";
export type { ApiProxyConfig } from "./config";
export type { SoaSerialReader } from "./dns-serial";
export type { Outbox, OutboxEntry } from "./outbox";
export type { CombinablePatch, PatchBatch, PatchBatcherOptions } from "./patch-batch";
export type { AnnouncedChange, Announcer, AnnouncerOptions, EventPreparer, EventPublisher, EventSink, Outcome } from "./announce";
export type { ApiProxy, ApiProxyOptions, ChangeHooks, RefusedReason } from "./proxy";
export type { OutboxRelay, OutboxRelayOptions } from "./relay";
export type { WriteGate, WriteGateOptions } from "./write-gate";
