// api-proxy configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { dirname } from "node:path";
import { POWERDNS_DEFAULTS, STATE_DIR, defaultChangeTrackerOptions, fixedKey, getPath, loadConfig, logConfigSchema, natsConfigSchema, metricsConfigSchema, removedKey, retiredNatsKeys } from "@pdns-distribute/core";
import type { RetiredKey } from "@pdns-distribute/core";
import { z } from "zod";

/*
 * Fixed values that used to be keys: each has a right value no operator needs to change.
 */
/** Time allowed for JetStream to acknowledge an event, ms; no request waits for it (OUTBOX_STORE_AFTER_MS). */
export const PUBLISH_TIMEOUT_MS = 5000;
/** Outbox retries while NATS is unreachable: 250 ms doubling up to this, ms (a reconnect retries at once). */
export const OUTBOX_MAX_RETRY_DELAY_MS = 5000;
/**
 * An event JetStream acknowledges within this many ms is never written to the outbox (JetStream holds it); a later
 * or failed one is stored with an fsync and its request answered then: every write is answered within this time
 * plus one fsync, whatever the broker does. Well above a healthy ack (about 1 ms), well below a client's patience.
 */
export const OUTBOX_STORE_AFTER_MS = 100;
/** Change tracking (GET /changes/{id}): how many changes are remembered and for how long (core's defaults). */
export const CHANGES_KEPT = {
  maxChanges: defaultChangeTrackerOptions().maxChanges,
  retentionMs: defaultChangeTrackerOptions().retentionMs,
} as const;
/** Longest `?wait=` honoured, and most requests waiting at once (503 beyond). */
export const CHANGES_WAIT = { maxWaitMs: 300 * 1000, maxWaiting: 1000 } as const;

const DEFAULT_OUTBOX = `${STATE_DIR}/api-proxy-outbox.sqlite3`;

/** Schema of the api-proxy config file. */
export const apiProxyConfigSchema = z
  .object({
    proxy: z
      .object({
        /** Address the proxy listens on. */
        listen_address: z.string().min(1).default("127.0.0.1"),
        /** Port the proxy listens on (PowerDNS' own API usually stays on 8081). */
        listen_port: z.number().int().min(0).max(65535).default(8082),
        /**
         * Largest request body accepted, bytes (PowerDNS' own webserver-max-bodysize defaults to 2 MB): a larger
         * Content-Length is refused (413) before reading, a chunked body once it passes the limit. Raise it together
         * with webserver-max-bodysize for zones created in one large request.
         */
        max_body_bytes: z.number().int().positive().default(2 * 1024 * 1024),
        /**
         * Forward every path to PowerDNS, its own web page (`/`, with the top queried names and client addresses)
         * and `/metrics` included; false: only the API paths, others 404. See docs/security.md before turning it on.
         */
        forward_all_paths: z.boolean().default(false),
        /** HTTPS: true, false, or "auto" (HTTPS unless listen_address is loopback, or when a certificate is set). */
        tls: z.union([z.boolean(), z.literal("auto")]).default("auto"),
        /**
         * PEM certificate (chain) and key for HTTPS; both empty: a self-signed one is created (once) in the directory
         * of outbox.database.
         */
        tls_cert_file: z.string().default(""),
        tls_key_file: z.string().default(""),
      })
      .strict()
      .prefault({}),
    powerdns: z
      .object({
        /** Base URL of the PowerDNS HTTP API. */
        api_url: z.url().default(POWERDNS_DEFAULTS.apiUrl),
        /** Time allowed for PowerDNS to answer, ms. */
        timeout_ms: z.number().int().positive().default(30_000),
        /**
         * PowerDNS' DNS address: the serial of a changed zone (change tracking) is read with an SOA query there,
         * falling back to the API when it does not answer. Empty: always the API (one more API request per change).
         */
        dns_address: z.union([z.literal(""), z.ipv4(), z.ipv6()]).default(""),
        /** PowerDNS' DNS port (local-port in pdns.conf). */
        dns_port: z.number().int().min(1).max(65535).default(POWERDNS_DEFAULTS.dnsPort),
        /**
         * Most write requests (POST, PUT, PATCH, DELETE) at PowerDNS at once; the others wait in arrival order.
         * 1 suits the sqlite backend, which cannot write concurrently (500 "database is locked" otherwise); raise
         * it for gmysql / gpgsql. 0: no limit.
         */
        max_concurrent_writes: z.number().int().min(0).default(1),
        /** Most write requests waiting for their turn; beyond that (and after timeout_ms of waiting) 503. */
        max_queued_writes: z.number().int().positive().default(1000),
        /**
         * PATCHes of one zone waiting for their turn together (different RRsets, same credentials) go to PowerDNS
         * as one PATCH of at most this many requests: one transaction and one zone event for all of them. If
         * PowerDNS refuses it, they are sent one by one for their own answers. 1: never combined.
         */
        max_combined_patches: z.number().int().positive().default(100),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        /**
         * SQLite file holding events not yet acknowledged by JetStream (kept across restarts); its directory also
         * holds the self-signed certificate.
         */
        database: z.string().min(1).default(DEFAULT_OUTBOX),
      })
      .strict()
      .prefault({}),
    /** Prometheus endpoint (GET /metrics); empty listen_address: off. */
    metrics: metricsConfigSchema(9201),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed api-proxy config. */
export type ApiProxyConfig = z.infer<typeof apiProxyConfigSchema>;

/** Keys older files may still set: carried over with a warning, or refused naming what to do instead. */
export const retiredApiProxyKeys: readonly RetiredKey[] = [
  ...retiredNatsKeys,
  removedKey(
    "proxy.self_signed_dir",
    "the self-signed certificate is kept in the directory of outbox.database",
    (value, raw) => value === dirname(String(getPath(raw, "outbox.database") ?? DEFAULT_OUTBOX)),
  ),
  fixedKey("events.publish_timeout_ms", PUBLISH_TIMEOUT_MS, `JetStream gets ${PUBLISH_TIMEOUT_MS} ms to acknowledge an event`),
  fixedKey("outbox.max_retry_delay_ms", OUTBOX_MAX_RETRY_DELAY_MS, `outbox retries back off up to ${OUTBOX_MAX_RETRY_DELAY_MS} ms`),
  fixedKey("outbox.store_after_ms", OUTBOX_STORE_AFTER_MS, `events not acknowledged within ${OUTBOX_STORE_AFTER_MS} ms are stored`),
  fixedKey(
    "changes.inactive_after_s",
    15,
    "a secondary counts as inactive after missing 3 of its heartbeats ([secondary] heartbeat_interval_s on the secondary)",
  ),
  fixedKey("changes.max_changes", CHANGES_KEPT.maxChanges, `the latest ${CHANGES_KEPT.maxChanges} changes are remembered`),
  fixedKey("changes.retention_s", CHANGES_KEPT.retentionMs / 1000, `changes are remembered ${CHANGES_KEPT.retentionMs / 1000} s`),
  fixedKey("changes.max_wait_s", CHANGES_WAIT.maxWaitMs / 1000, `?wait= is honoured up to ${CHANGES_WAIT.maxWaitMs / 1000} s`),
  fixedKey("changes.max_waiting_requests", CHANGES_WAIT.maxWaiting, `at most ${CHANGES_WAIT.maxWaiting} requests wait at once`),
];

/** Loads the api-proxy config file (undefined: all defaults). */
export function loadApiProxyConfig(file: string | undefined): ApiProxyConfig {
  return loadConfig(apiProxyConfigSchema, file, retiredApiProxyKeys);
}
