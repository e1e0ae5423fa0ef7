// Public entry of @pdns-distribute/core: config, logging, NATS, subjects, events, signing.
export { ConfigError, KeyFileError, MessageDecodeError, PdnsdError, SignatureError } from "./errors";
export { loadConfig, logConfigSchema, natsConfigSchema, validateConfig } from "./config";
export { createLogger } from "./logger";
export { DEFAULT_STREAM, QUEUE_GROUPS, SUBJECTS, secondaryConsumerName } from "./subjects";
export {
  MAX_MESSAGE_BYTES,
  ZONE_EVENT_TYPES,
  decodeMessage,
  encodeMessage,
  errorReply,
  errorReplySchema,
  heartbeatSchema,
  newZoneEvent,
  signedZoneSchema,
  subjectForZoneEvent,
  zoneDataReplySchema,
  zoneDataRequestSchema,
  zoneEventSchema,
} from "./events";
export {
  decodeKey,
  generateKeyPair,
  readKeyFile,
  signZone,
  signingMessage,
  verifySignedZone,
  writeKeyPair,
} from "./signing";
export { connectNats, ensureZoneEventStream, isJetStreamError } from "./nats";
export { compareSerial } from "./serial";
export { daemonProgram, runDaemon } from "./daemon";
export { Counter, Gauge, Histogram, Registry, createMetricsRegistry, metricsConfigSchema, startMetricsServer } from "./metrics";

export type { LogConfig, NatsConfig } from "./config";
export type { Logger } from "./logger";
export type {
  ErrorReply,
  Heartbeat,
  SignedZone,
  ZoneDataReply,
  ZoneDataRequest,
  ZoneEvent,
  ZoneEventType,
} from "./events";
export type { SigningKeyPair } from "./signing";
export type { NatsConnection } from "./nats";
export type { StopFn } from "./daemon";
export type { MetricsConfig, MetricsServer } from "./metrics";
