// health-checker configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { hostname } from "node:os";
import { HEALTH_LOCK_BUCKET, NATS_SECRET_KEYS, POWERDNS_DEFAULTS, fixedKey, loadConfig, logConfigSchema, metricsConfigSchema, natsConfigSchema, retiredNatsKeys } from "@pdns-distribute/core";
import type { RetiredKey } from "@pdns-distribute/core";
import { z } from "zod";

/*
 * Fixed values that used to be keys: each has a right value no operator needs to change.
 */
/** Zones per zone-state page asked of a secondary (a page of 10,000 serials is about 400 KB, under max_payload). */
export const STATE_PAGE_SIZE = 10_000;
/** Most targeted resyncs published to one secondary per check; the rest wait for the next check. */
export const MAX_RESYNCS_PER_SECONDARY = 10_000;
/** Secondaries (or PowerDNS requests) worked on in parallel. */
export const CHECK_CONCURRENCY = 8;
/** DNSSEC upkeep: most signed zones resynced per run (spreads a mass re-sign over several runs). */
export const DNSSEC_MAX_RESYNCS_PER_RUN = 1000;
/**
 * DNSSEC upkeep: resync at once when the served signatures expire within this many hours, whatever else says
 * (PowerDNS signs for a week or more, so 3 days leaves room for several runs and a long outage).
 */
export const DNSSEC_MIN_VALIDITY_H = 72;
/** Time allowed for the zone-provider's digest of one audited zone (a whole AXFR of it), ms. */
export const AUDIT_DIGEST_TIMEOUT_MS = 60_000;
/**
 * Content audit: reads of the primary average at most this many records per second (after a zone of R records the
 * next audit waits R / this seconds, if longer than the interval): a 1,000,000-record zone pauses it ~17 min.
 */
export const AUDIT_RECORDS_PER_S = 1000;
/** The first check after taking the lock waits this long for heartbeats, ms (half the default heartbeat interval). */
export const FIRST_CHECK_DELAY_MS = 2500;

const secondaryId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");

/** Schema of the health-checker config file. */
export const healthCheckerConfigSchema = z
  .object({
    health: z
      .object({
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
        /**
         * Seconds between polls of the primary for changes made outside the API (pdnsutil: new zones, serials,
         * DNSSEC state); each change is announced to every secondary. 0: off.
         */
        primary_poll_interval_s: z.number().nonnegative().default(20),
        /**
         * Seconds between two content audits, one zone each (docs/health-checker.md, "Content audit"): the zone read
         * whole from the primary by the zone-provider, its text digest compared with what each secondary holds, a
         * full resync where they differ. Every zone once per cycle: a cycle takes zones × this (or longer: after a
         * zone of R records the next audit waits R / AUDIT_RECORDS_PER_S seconds). 0: off.
         */
        content_audit_interval_s: z.number().nonnegative().default(3),
        /** Seconds to wait after a zone event before asking every active secondary for that zone; < 0: off. */
        event_check_delay_s: z.number().default(5),
        /** Time allowed for a secondary to answer one zone-state request, ms. */
        request_timeout_ms: z.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    dnssec: z
      .object({
        /** Resync DNSSEC-signed zones after PowerDNS re-signed them (RRSIG inception newer than the last sync). */
        resync_enabled: z.boolean().default(true),
        /** Seconds between DNSSEC upkeep runs. */
        check_interval_s: z.number().positive().default(3600),
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
        api_url: z.url().default(POWERDNS_DEFAULTS.apiUrl),
        /** PowerDNS API key (X-API-Key). */
        api_key: z.string().default(""),
        /** Time allowed for an API answer, ms. */
        timeout_ms: z.number().int().positive().default(10_000),
        /** Address and port PowerDNS answers DNS on (RRSIG validity of signed zones). */
        dns_address: z.string().min(1).default(POWERDNS_DEFAULTS.dnsAddress),
        dns_port: z.number().int().min(1).max(65535).default(POWERDNS_DEFAULTS.dnsPort),
      })
      .strict()
      .prefault({}),
    lock: z
      .object({
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

/** Keys older files may still set: carried over with a warning, or refused naming what to do instead. */
export const retiredHealthCheckerKeys: readonly RetiredKey[] = [
  ...retiredNatsKeys,
  fixedKey(
    "health.inactive_after_s",
    15,
    "a secondary counts as inactive after missing 3 of its heartbeats ([secondary] heartbeat_interval_s on the secondary)",
  ),
  fixedKey("health.check_interval_s", 1, "activity is re-evaluated every second"),
  fixedKey("checks.page_size", STATE_PAGE_SIZE, `zone-state pages hold ${STATE_PAGE_SIZE} zones`),
  fixedKey("checks.max_resyncs_per_secondary", MAX_RESYNCS_PER_SECONDARY, `at most ${MAX_RESYNCS_PER_SECONDARY} resyncs per secondary and check`),
  fixedKey("checks.concurrency", CHECK_CONCURRENCY, `${CHECK_CONCURRENCY} secondaries are checked in parallel`),
  fixedKey("dnssec.max_resyncs_per_run", DNSSEC_MAX_RESYNCS_PER_RUN, `at most ${DNSSEC_MAX_RESYNCS_PER_RUN} signed zones are resynced per run`),
  fixedKey("dnssec.min_validity_h", DNSSEC_MIN_VALIDITY_H, `signatures expiring within ${DNSSEC_MIN_VALIDITY_H} h are resynced`),
  fixedKey("powerdns.server_id", "localhost", 'the PowerDNS API server id is always "localhost"'),
  fixedKey("lock.bucket", HEALTH_LOCK_BUCKET, `the lock bucket is always ${HEALTH_LOCK_BUCKET}`),
];

/** Loads the health-checker config file (undefined: all defaults). */
export function loadHealthCheckerConfig(file: string | undefined): HealthCheckerConfig {
  // Its own inline secret, next to the NATS ones: the PowerDNS API key.
  return loadConfig(healthCheckerConfigSchema, file, retiredHealthCheckerKeys, undefined, [...NATS_SECRET_KEYS, "powerdns.api_key"]);
}

/** The configured instance id, or `<host>-<pid>`. */
export function instanceIdOf(cfg: HealthCheckerConfig): string {
  return cfg.health.instance_id || `${hostname()}-${process.pid}`;
}
