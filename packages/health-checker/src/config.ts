// health-checker configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { hostname } from "node:os";
import { loadConfig, logConfigSchema, metricsConfigSchema, natsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

const secondaryId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");

/** Schema of the health-checker config file. */
export const healthCheckerConfigSchema = z
  .object({
    health: z
      .object({
        /** A secondary without a heartbeat for this long is inactive, seconds. */
        inactive_after_s: z.number().positive().default(15),
        /** How often activity is re-evaluated, seconds. */
        check_interval_s: z.number().positive().default(1),
        /** Secondaries expected to exist: listed (inactive) in the status before their first heartbeat. */
        static_secondaries: z.array(secondaryId).default([]),
        /** This checker's id in the lock and the status. Default: host name and process id. */
        instance_id: z.string().max(128).default(""),
      })
      .strict()
      .prefault({}),
    checks: z
      .object({
        /** Seconds between periodic full checks (primary vs. every active secondary); 0: off. */
        periodic_interval_s: z.number().nonnegative().default(300),
        /** Seconds to wait after a zone event before asking every active secondary for that zone; < 0: off. */
        event_check_delay_s: z.number().default(5),
        /** Time allowed for a secondary to answer one zone-state request, ms. */
        request_timeout_ms: z.number().int().positive().default(5000),
        /** Zones per zone-state page. */
        page_size: z.number().int().positive().max(100_000).default(10_000),
        /** Most targeted resyncs published to one secondary per check (the rest wait for the next check). */
        max_resyncs_per_secondary: z.number().int().positive().default(10_000),
        /** Secondaries (or DNS queries) worked on in parallel. */
        concurrency: z.number().int().positive().max(256).default(8),
      })
      .strict()
      .prefault({}),
    dnssec: z
      .object({
        /** Resync DNSSEC-signed zones after PowerDNS re-signed them (RRSIG inception newer than the last sync). */
        resync_enabled: z.boolean().default(true),
        /** Seconds between DNSSEC upkeep runs. */
        check_interval_s: z.number().positive().default(3600),
        /** Most signed zones resynced per run (spreads a mass re-sign over several runs). */
        max_resyncs_per_run: z.number().int().positive().default(1000),
        /** Resync at once when the served signatures expire within this many hours, whatever else says. */
        min_validity_h: z.number().nonnegative().default(72),
        /** Switch signed zones still using NSEC to NSEC3 (through the PowerDNS API). Off by default. */
        nsec3_convert: z.boolean().default(false),
        /** NSEC3PARAM set by nsec3_convert ("algorithm flags iterations salt"). */
        nsec3_param: z
          .string()
          .regex(/^1 [01] \d{1,4} (-|[0-9A-Fa-f]{1,510})$/, 'like "1 0 0 -"')
          .default("1 0 0 -"),
      })
      .strict()
      .prefault({}),
    powerdns: z
      .object({
        /** Base URL of the PowerDNS HTTP API (the checker talks to PowerDNS itself, not through the api-proxy). */
        api_url: z.url().default("http://127.0.0.1:8081"),
        /** PowerDNS API key (X-API-Key). */
        api_key: z.string().default(""),
        /** PowerDNS server id in API paths. */
        server_id: z.string().min(1).default("localhost"),
        /** Time allowed for an API answer, ms. */
        timeout_ms: z.number().int().positive().default(10_000),
        /** Address and port PowerDNS answers DNS on (RRSIG validity of signed zones). */
        dns_address: z.string().min(1).default("127.0.0.1"),
        dns_port: z.number().int().min(1).max(65535).default(53),
      })
      .strict()
      .prefault({}),
    lock: z
      .object({
        /** JetStream KV bucket of the single-active lock (created with max_age = ttl_s). */
        bucket: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("PDNS_HEALTH_LOCK"),
        /** Seconds the lock lives without renewal; a stand-by takes over after it. Renewed every ttl_s / 3. */
        ttl_s: z.number().min(1).default(15),
      })
      .strict()
      .prefault({}),
    metrics: metricsConfigSchema(9155),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed health-checker config. */
export type HealthCheckerConfig = z.infer<typeof healthCheckerConfigSchema>;

/** Loads the health-checker config file (undefined: all defaults). */
export function loadHealthCheckerConfig(file: string | undefined): HealthCheckerConfig {
  return loadConfig(healthCheckerConfigSchema, file);
}

/** The configured instance id, or `<host>-<pid>`. */
export function instanceIdOf(cfg: HealthCheckerConfig): string {
  return cfg.health.instance_id || `${hostname()}-${process.pid}`;
}
