// api-proxy configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { loadConfig, logConfigSchema, natsConfigSchema, metricsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

/** Schema of the api-proxy config file. */
export const apiProxyConfigSchema = z
  .object({
    proxy: z
      .object({
        /** Address the proxy listens on. */
        listen_address: z.string().min(1).default("127.0.0.1"),
        /** Port the proxy listens on (PowerDNS' own API usually stays on 8081). */
        listen_port: z.number().int().min(0).max(65535).default(8082),
        /** Largest request body accepted, bytes. */
        max_body_bytes: z.number().int().positive().default(64 * 1024 * 1024),
        /**
         * Forward every path to PowerDNS, its own web page (`/`, with the top queried names and client addresses)
         * and `/metrics` included; false: only the API paths, others 404. See docs/security.md before turning it on.
         */
        forward_all_paths: z.boolean().default(false),
        /** HTTPS: true, false, or "auto" (HTTPS unless listen_address is loopback, or when a certificate is set). */
        tls: z.union([z.boolean(), z.literal("auto")]).default("auto"),
        /** PEM certificate (chain) and key for HTTPS; both empty: a self-signed one is created in self_signed_dir. */
        tls_cert_file: z.string().default(""),
        tls_key_file: z.string().default(""),
        /** Directory where the self-signed certificate and its key (mode 0600) are created and kept. */
        self_signed_dir: z.string().min(1).default("/var/lib/pdns-distribute"),
      })
      .strict()
      .prefault({}),
    powerdns: z
      .object({
        /** Base URL of the PowerDNS HTTP API. */
        api_url: z.url().default("http://127.0.0.1:8081"),
        /** Time allowed for PowerDNS to answer, ms. */
        timeout_ms: z.number().int().positive().default(30_000),
        /**
         * PowerDNS' DNS address: the serial of a changed zone (change tracking) is read with an SOA query there,
         * falling back to the API when it does not answer. Empty: always the API (one more API request per change).
         */
        dns_address: z.union([z.literal(""), z.ipv4(), z.ipv6()]).default(""),
        /** PowerDNS' DNS port (local-port in pdns.conf). */
        dns_port: z.number().int().min(1).max(65535).default(53),
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
    events: z
      .object({
        /** Time allowed for JetStream to acknowledge an event, ms. */
        publish_timeout_ms: z.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        /** SQLite file holding events not yet acknowledged by JetStream (kept across restarts). */
        database: z.string().min(1).default("/var/lib/pdns-distribute/api-proxy-outbox.sqlite3"),
        /** Largest delay between publish retries while NATS is unreachable, ms (doubling from 250 ms). */
        max_retry_delay_ms: z.number().int().min(250).default(5000),
        /**
         * An event JetStream has not acknowledged within this many ms (or whose publish failed) is stored here, ms;
         * acknowledged sooner it never touches the disk (JetStream holds it). 0: every event is stored as well.
         */
        store_after_ms: z.number().int().min(0).default(100),
      })
      .strict()
      .prefault({}),
    changes: z
      .object({
        /** A secondary without a heartbeat for this long is inactive and not waited for, seconds (as the health-checker). */
        inactive_after_s: z.number().int().positive().default(15),
        /** Most changes remembered for GET /changes/{id}; the oldest are forgotten first. */
        max_changes: z.number().int().positive().default(10_000),
        /** How long a change is remembered, seconds. */
        retention_s: z.number().int().positive().default(3600),
        /** Longest ?wait= honoured, seconds. */
        max_wait_s: z.number().int().positive().default(300),
        /** Most GET /changes/{id}?wait= requests waiting at once (503 beyond). */
        max_waiting_requests: z.number().int().positive().default(1000),
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

/** Loads the api-proxy config file (undefined: all defaults). */
export function loadApiProxyConfig(file: string | undefined): ApiProxyConfig {
  return loadConfig(apiProxyConfigSchema, file);
}
