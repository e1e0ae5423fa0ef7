// NATS connection (reconnects forever) and the JetStream stream that holds zone events.
import { connect } from "@nats-io/transport-node";
import { credsAuthenticator, nanos, nkeyAuthenticator } from "@nats-io/nats-core";
import type { ConnectionOptions } from "@nats-io/nats-core";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
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
import { RECONNECT_WAIT_MS, ZONE_EVENT_STREAM_MAX_AGE_HOURS, ZONE_EVENT_STREAM_MAX_MSGS } from "./config";
import type { NatsConfig } from "./config";
import { assertPrivateFile, readSecretFile } from "./secrets";
import { SUBJECTS, ZONE_EVENT_STREAM } from "./subjects";
import { decodeMessage, zoneEventSchema } from "./events";
import type { ZoneEvent } from "./events";

/**
 * Authentication and TLS options from the `[nats]` section: user/password, token, NKey seed file or
 * credentials file, and TLS with a CA file (plus an optional client certificate). Secret files must be
 * mode 0600 (KeyFileError otherwise).
 */
export function natsAuthOptions(cfg: NatsConfig): Partial<ConnectionOptions> {
  const opts: Partial<ConnectionOptions> = {};
  if (cfg.user) opts.user = cfg.user;
  if (cfg.password) opts.pass = cfg.password;
  if (cfg.token) opts.token = cfg.token;
  if (cfg.creds_file) opts.authenticator = credsAuthenticator(readSecretFile(cfg.creds_file, "nats.creds_file"));
  else if (cfg.nkey_seed_file) {
    const seed = readSecretFile(cfg.nkey_seed_file, "nats.nkey_seed_file").toString("utf8").trim();
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  }
  if (cfg.tls_ca_file || cfg.tls_cert_file) {
    const tls: NonNullable<ConnectionOptions["tls"]> = {};
    if (cfg.tls_ca_file) tls.caFile = cfg.tls_ca_file;
    if (cfg.tls_cert_file) tls.certFile = cfg.tls_cert_file;
    if (cfg.tls_key_file) {
      assertPrivateFile(cfg.tls_key_file, "nats.tls_key_file");
      tls.keyFile = cfg.tls_key_file;
    }
    opts.tls = tls;
  }
  return opts;
}

/** How {@link connectNats} treats a first connection that fails. */
export interface ConnectNatsOptions {
  /**
   * Give up (reject) when no server accepts the first connection within this many ms, instead of retrying forever
   * as a daemon does: for the operator CLI, which must say so and exit.
   */
  firstConnectTimeoutMs?: number;
}

/**
 * Connects to NATS. Waits for the first connection (retrying forever, unless `opts.firstConnectTimeoutMs`), then
 * reconnects forever; connection state changes are logged.
 */
export async function connectNats(cfg: NatsConfig, name: string, logger: Logger, opts: ConnectNatsOptions = {}): Promise<NatsConnection> {
  const once = opts.firstConnectTimeoutMs !== undefined;
  const nc = await connect({
    servers: cfg.servers,
    name,
    ...natsAuthOptions(cfg),
    waitOnFirstConnect: !once,
    ...(once ? { timeout: opts.firstConnectTimeoutMs } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: RECONNECT_WAIT_MS,
    // Without this the client builds an Error (a stack trace) for every request, JetStream publish and timer,
    // in case it fails: measurable CPU per zone event and zone-data request; our errors carry their own context.
    noAsyncTraces: true,
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

/** A NATS connection being established in the background (the daemon serves meanwhile). */
export interface BackgroundNats {
  /** The connection once established, else undefined. */
  current(): NatsConnection | undefined;
  /** Resolves with the connection once the first connect succeeded (retrying forever). */
  readonly ready: Promise<NatsConnection>;
}

/**
 * Like {@link connectNats} but does not block: returns at once and connects in the background, so a
 * daemon that can work without the broker (the api-proxy with its outbox) starts while NATS is down.
 */
export function connectNatsInBackground(cfg: NatsConfig, name: string, logger: Logger): BackgroundNats {
  let nc: NatsConnection | undefined;
  const ready = connectNats(cfg, name, logger).then((c) => {
    nc = c;
    return c;
  });
  ready.catch((err: unknown) => logger.error({ err: (err as Error).message }, "could not connect to NATS"));
  return { current: () => nc, ready };
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
    return await jsm.streams.info(ZONE_EVENT_STREAM);
  } catch (err) {
    if (!isJetStreamError(err, JetStreamApiCodes.StreamNotFound)) throw err;
  }
  try {
    return await jsm.streams.add({
      name: ZONE_EVENT_STREAM,
      subjects: [SUBJECTS.zoneEventsWildcard],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: cfg.replicas,
      max_age: nanos(ZONE_EVENT_STREAM_MAX_AGE_HOURS * 3600 * 1000),
      max_msgs: ZONE_EVENT_STREAM_MAX_MSGS,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(2 * 60 * 1000),
    });
  } catch (err) {
    // Another daemon created it between our info() and add().
    return await jsm.streams.info(ZONE_EVENT_STREAM).catch(() => {
      throw err;
    });
  }
}

export type { NatsConnection };

/** Handlers of {@link subscribeZoneEvents}. */
export interface ZoneEventHandlers {
  /** A well-formed zone event (targeted resyncs included: `event.target`). */
  onEvent(event: ZoneEvent): void;
  /** A message that is not a valid zone event, or that onEvent threw on (never thrown further). */
  onInvalid?(err: Error): void;
  /** The subscription failed (e.g. no permission to subscribe to `pdns.zone.events.>`) and has ended. */
  onError?(err: Error): void;
}

/**
 * A core subscription to every zone event as it is published (`pdns.zone.events.>`, what `nats sub` shows),
 * each decoded and validated before `onEvent` sees it. Not durable: for watching, not for applying.
 */
export function subscribeZoneEvents(nc: NatsConnection, handlers: ZoneEventHandlers): Subscription {
  return nc.subscribe(SUBJECTS.zoneEventsWildcard, {
    callback: (err, msg) => {
      if (err) {
        handlers.onError?.(err);
        return;
      }
      try {
        handlers.onEvent(decodeMessage(zoneEventSchema, msg.data, `event ${msg.subject}`));
      } catch (e) {
        handlers.onInvalid?.(e as Error);
      }
    },
  });
}

