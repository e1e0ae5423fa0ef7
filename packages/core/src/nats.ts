// NATS connection (reconnects forever) and the JetStream stream that holds zone events.
import { connect } from "@nats-io/transport-node";
import { nanos } from "@nats-io/nats-core";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { NatsConfig } from "./config";
import { SUBJECTS } from "./subjects";

/**
 * Connects to NATS. Waits for the first connection (retrying forever), then reconnects forever;
 * connection state changes are logged.
 */
export async function connectNats(cfg: NatsConfig, name: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: cfg.servers,
    name,
    user: cfg.user || undefined,
    pass: cfg.password || undefined,
    token: cfg.token || undefined,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: cfg.reconnect_wait_ms,
  });
  logger.info({ server: nc.getServer() }, "connected to NATS");
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "ping" || s.type === "slowConsumer") continue;
      const detail = s as unknown as Record<string, unknown>;
      logger.info({ natsStatus: s.type, server: detail.server }, "NATS status change");
    }
  })().catch(() => undefined);
  return nc;
}

/** Whether `err` is a JetStream API error with `code`. */
export function isJetStreamError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/**
 * Creates the zone event stream if it does not exist yet (idempotent, safe when several daemons race).
 * An existing stream is left as it is, so operators may tune its limits with the NATS CLI.
 */
export async function ensureZoneEventStream(nc: NatsConnection, cfg: NatsConfig): Promise<StreamInfo> {
  const jsm: JetStreamManager = await jetstreamManager(nc);
  try {
    return await jsm.streams.info(cfg.stream);
  } catch (err) {
    if (!isJetStreamError(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  try {
    return await jsm.streams.add({
      name: cfg.stream,
      subjects: [SUBJECTS.zoneEventsWildcard],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: cfg.stream_replicas,
      max_age: nanos(cfg.stream_max_age_hours * 3600 * 1000),
      max_msgs: cfg.stream_max_msgs,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(2 * 60 * 1000),
    });
  } catch (err) {
    // Another daemon created it between our info() and add().
    return await jsm.streams.info(cfg.stream).catch(() => {
      throw err;
    });
  }
}

export type { NatsConnection };
