// Public entry of @pdns-distribute/core: config, logging, NATS, subjects, events, signing.
export { ConfigError, KeyFileError, MessageDecodeError, PdnsdError, SecondaryStateError, SignatureError } from "./errors";
export { secondaryStateClient } from "./secondary-state-client";
export {
  CONFIG_DIR,
  POWERDNS_DEFAULTS,
  RECONNECT_WAIT_MS,
  SIGNING_KEY_BASE,
  STATE_DIR,
  ZONE_EVENT_STREAM_MAX_AGE_HOURS,
  ZONE_EVENT_STREAM_MAX_MSGS,
  NATS_SECRET_KEYS,
  loadConfig,
  logConfigSchema,
  natsConfigSchema,
  retiredNatsKeys,
  validateConfig,
} from "./config";
export { applyRetiredKeys, fixedKey, getPath, removedKey, renamedKey, setPath } from "./retired-keys";
export { createLogger } from "./logger";
export { LogRateLimit } from "./log-rate";
export {
  HEALTH_LOCK_BUCKET,
  QUEUE_GROUPS,
  SUBJECTS,
  secondaryAppliedSubject,
  secondaryConsumerName,
  secondaryStateSubject,
  ZONE_EVENT_STREAM,
  ZONE_TEXT_BUCKET,
} from "./subjects";
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  MAX_MESSAGE_BYTES,
  MISSED_HEARTBEATS,
  RR_TYPE_MNEMONIC,
  ZONE_EVENT_TYPES,
  decodeMessage,
  encodeMessage,
  errorReply,
  errorReplySchema,
  healthStatusReplySchema,
  healthStatusRequestSchema,
  healthStatusSchema,
  heartbeatSchema,
  inactiveAfterMs,
  newZoneEvent,
  secondaryAppliedSchema,
  secondaryHealthSchema,
  signedZoneSchema,
  subjectForZoneEvent,
  zoneDataReplySchema,
  zoneDataWireReplySchema,
  zoneDataWireSchema,
  zoneTextRefSchema,
  zoneTextDeltaSchema,
  zoneDataRequestSchema,
  zoneAbsenceSchema,
  ZONE_DATA_REQUEST_MAX_EVENTS,
  zoneEventSchema,
  ZONE_EVENT_MAX_RRSETS,
  zoneSetDigest,
  zoneStateReplySchema,
  zoneStateRequestSchema,
  zoneStateSchema,
  zoneDigestReplySchema,
  zoneDigestRequestSchema,
  zoneDigestSchema,
} from "./events";
export {
  ZoneBindingError,
  absenceSigningMessage,
  checkZoneBinding,
  decodeKey,
  generateKeyPair,
  newRequestBinding,
  publicKeyId,
  readKeyFile,
  signDetached,
  signZone,
  signZoneAbsence,
  signingMessage,
  verifyDetached,
  verifySignedZone,
  verifySignedZoneDigest,
  verifyZoneAbsence,
  writeKeyPair,
  zoneTextDigest,
} from "./signing";
export { connectNats, connectNatsInBackground, ensureZoneEventStream, isJetStreamError, natsAuthOptions, subscribeZoneEvents } from "./nats";
export { assertConfigSecretsPrivate, assertPrivateFile, readSecretFile } from "./secrets";
export { pdnsZoneId, serialOfZoneJson, zoneNameFromPdnsId } from "./pdns-zone-id";
export { compareSerial } from "./serial";
export { SecondaryRegistry } from "./secondary-registry";
export { startHeartbeatMonitor } from "./heartbeat-monitor";
export { ChangeTracker, defaultChangeTrackerOptions, parseDuration } from "./changes";
export { daemonProgram, runDaemon } from "./daemon";
export { fullSyncCommits, walSync } from "./wal-sync";
export { openDurableSqlite } from "./durable-sqlite";
export { backoffDelayMs } from "./backoff";
export { PROTOCOL_ERROR_CODES } from "./protocol-codes";
export { LTHASH_BYTES, LTHASH_ELEMENT_TAG, LTHASH_LANES, LtHash, lthashAfterDelta, lthashElement } from "./lthash";
export { Counter, Gauge, Histogram, Registry, createMetricsRegistry, metricsConfigSchema, startMetricsServer } from "./metrics";

export type { LogConfig, NatsConfig } from "./config";
export type { ConfigTree, RetiredKey } from "./retired-keys";
export type { Logger } from "./logger";
export type {
  ErrorReply,
  HealthStatus,
  HealthStatusRequest,
  Heartbeat,
  SecondaryApplied,
  SecondaryHealth,
  SignedZone,
  ZoneAbsence,
  ZoneDataReply,
  ZoneDataWire,
  ZoneDataWireReply,
  ZoneTextRef,
  ZoneTextDeltaWire,
  ZoneDataRequest,
  ZoneEvent,
  ZoneEventType,
  ZoneState,
  ZoneStateReply,
  ZoneStateRequest,
  ZoneDigest,
  ZoneDigestReply,
  ZoneDigestRequest,
} from "./events";
export type { BindingExpectation, SignedZoneHeader, SigningKeyPair, ZoneLtHashBinding, ZoneRequestBinding } from "./signing";
export type { BackgroundNats, NatsConnection, ZoneEventHandlers } from "./nats";
export type { StopFn } from "./daemon";
export type { ByteCounter, SecondaryStateClient } from "./secondary-state-client";
export type { MetricsConfig, MetricsServer } from "./metrics";
export type { ChangeState, ChangeStatus, ChangeTrackerOptions, SecondaryChangeState, TrackedChange } from "./changes";
export type { ActivityChange, CheckCounts, SecondaryState } from "./secondary-registry";
export type { HeartbeatMonitor } from "./heartbeat-monitor";
export type { PragmaDatabase, WalSync } from "./wal-sync";
export type { BackoffOptions } from "./backoff";
export type { DurableSqlite, SqliteDatabase } from "./durable-sqlite";
export type { ProtocolErrorCode } from "./protocol-codes";
