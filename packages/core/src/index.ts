// Public entry of @pdns-distribute/core: config, logging, NATS, subjects, events, signing.
export { ConfigError, KeyFileError, MessageDecodeError, PdnsdError, SignatureError } from "./errors";
export { loadConfig, logConfigSchema, natsConfigSchema, validateConfig } from "./config";
export { createLogger } from "./logger";
export {
  DEFAULT_HEALTH_LOCK_BUCKET,
  DEFAULT_STREAM,
  QUEUE_GROUPS,
  SUBJECTS,
  secondaryConsumerName,
  secondaryStateSubject,
} from "./subjects";
export {
  MAX_MESSAGE_BYTES,
  ZONE_EVENT_TYPES,
  decodeMessage,
  encodeMessage,
  errorReply,
  errorReplySchema,
  healthStatusReplySchema,
  healthStatusRequestSchema,
  healthStatusSchema,
  heartbeatSchema,
  newZoneEvent,
  secondaryHealthSchema,
  signedZoneSchema,
  subjectForZoneEvent,
  zoneDataReplySchema,
  zoneDataRequestSchema,
  zoneEventSchema,
  zoneSetDigest,
  zoneStateReplySchema,
  zoneStateRequestSchema,
  zoneStateSchema,
} from "./events";
export {
  decodeKey,
  generateKeyPair,
  readKeyFile,
  signDetached,
  signZone,
  signingMessage,
  verifyDetached,
  verifySignedZone,
  writeKeyPair,
} from "./signing";
export { connectNats, connectNatsInBackground, ensureZoneEventStream, isJetStreamError } from "./nats";
export { compareSerial } from "./serial";
export { daemonProgram, runDaemon } from "./daemon";
export { Counter, Gauge, Histogram, Registry, createMetricsRegistry, metricsConfigSchema, startMetricsServer } from "./metrics";

export type { LogConfig, NatsConfig } from "./config";
export type { Logger } from "./logger";
export type {
  ErrorReply,
  HealthStatus,
  HealthStatusRequest,
  Heartbeat,
  SecondaryHealth,
  SignedZone,
  ZoneDataReply,
  ZoneDataRequest,
  ZoneEvent,
  ZoneEventType,
  ZoneState,
  ZoneStateReply,
  ZoneStateRequest,
} from "./events";
export type { SigningKeyPair } from "./signing";
export type { BackgroundNats, NatsConnection } from "./nats";
export type { StopFn } from "./daemon";
export type { MetricsConfig, MetricsServer } from "./metrics";
