// zone-provider configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { NATS_SECRET_KEYS, POWERDNS_DEFAULTS, SIGNING_KEY_BASE, ZONE_TEXT_BUCKET, fixedKey, getPath, removedKey, loadConfig, logConfigSchema, natsConfigSchema, metricsConfigSchema, renamedKey, retiredNatsKeys } from "@pdns-distribute/core";
import type { RetiredKey } from "@pdns-distribute/core";
import { z } from "zod";

/*
 * Fixed values that used to be keys: each has a right value no operator needs to change.
 */
/** Requests for one zone arriving within this many ms share one AXFR (a burst of secondaries asking at once). */
export const READ_COALESCE_WINDOW_MS = 2;
/** How long a finished read still serves requests for the events it covers, ms (secondaries ask within ms). */
export const READ_MAX_AGE_MS = 5000;
/** Read-ahead reads running at once: half of provider.concurrency (the rest stay free for requests). */
export function readAheadConcurrency(concurrency: number): number {
  return Math.max(1, Math.ceil(concurrency / 2));
}
/** How long a zone text stays in the object store, seconds (bucket TTL; secondaries fetch it within seconds). */
export const ZONE_TEXT_TTL_S = 3600;
/** Incremental transfer: recent versions kept per zone, and the largest delta sent, as a share of the full zone text. */
export const INCREMENTAL = { versionsPerZone: 8, maxDeltaRatio: 0.5 } as const;

const DEFAULT_CONCURRENCY = 8;

/** Zone-digest requests (the health-checker's content audit, one whole read each) answered at once; more wait. */
export const DIGEST_CONCURRENCY = 2;
/**
 * Incremental reads (only the RRsets zone events name, from the API): a snapshot is read in full again after this
 * long anyway (changes made outside the API without a serial change), the most RRsets and events one read covers,
 * RRsets read at once, and the time allowed for one API answer.
 */
export const INCREMENTAL_READS = { maxSnapshotAgeMs: 600_000, maxRRsets: 1024, maxEvents: 1024, concurrency: 8, apiTimeoutMs: 10_000 } as const;

/** Schema of the zone-provider config file. */
export const zoneProviderConfigSchema = z
  .object({
    powerdns: z
      .object({
        /** Address of PowerDNS' DNS listener that allows AXFR from this host. */
        dns_address: z.string().min(1).default(POWERDNS_DEFAULTS.dnsAddress),
        /** Port of PowerDNS' DNS listener. */
        dns_port: z.number().int().min(1).max(65535).default(POWERDNS_DEFAULTS.dnsPort),
        /** Time allowed for one AXFR, ms. */
        axfr_timeout_ms: z.number().int().positive().default(30_000),
        /** PowerDNS HTTP API: changed RRsets are read there (incremental reads); empty api_key: every read is an AXFR. */
        api_url: z.url().default(POWERDNS_DEFAULTS.apiUrl),
        /** PowerDNS API key (X-API-Key). */
        api_key: z.string().default(""),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        /** Ed25519 secret key file written by `pdns-distribute-zone-provider keygen` (mode 0600). */
        private_key_file: z.string().min(1).default(`${SIGNING_KEY_BASE}.key`),
      })
      .strict()
      .prefault({}),
    provider: z
      .object({
        /** Zone-data requests served at the same time by this process. */
        concurrency: z.number().int().min(1).max(1024).default(DEFAULT_CONCURRENCY),
      })
      .strict()
      .prefault({}),
    /** Large zones: zone texts over inline_max_bytes travel through a JetStream object store (docs/scale.md). */
    zone_text: z
      .object({
        /** Zone texts larger than this many UTF-8 bytes (or whose reply would exceed max_payload) go by reference. */
        inline_max_bytes: z.number().int().min(1024).default(262_144),
      })
      .strict()
      .prefault({}),
    /** Incremental transfer: deltas from the version a secondary holds, when it asks for one (docs/scale.md). */
    incremental: z
      .object({
        /** Memory for recent zone versions (deltas are computed from them) in all, MiB; least recently served go first. */
        cache_mib: z.number().int().min(1).max(1_048_576).default(256),
      })
      .strict()
      .prefault({}),
    /** Prometheus endpoint (GET /metrics); empty listen_address: off. */
    metrics: metricsConfigSchema(9202),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed zone-provider config. */
export type ZoneProviderConfig = z.infer<typeof zoneProviderConfigSchema>;

/** Keys older files may still set: carried over with a warning, or refused naming what to do instead. */
export const retiredZoneProviderKeys: readonly RetiredKey[] = [
  ...retiredNatsKeys,
  renamedKey("zone_text.replicas", "nats.replicas"),
  fixedKey("zone_text.bucket", ZONE_TEXT_BUCKET, `the object store is always ${ZONE_TEXT_BUCKET}`),
  fixedKey("zone_text.ttl_s", ZONE_TEXT_TTL_S, `zone texts are kept ${ZONE_TEXT_TTL_S} s`),
  fixedKey("provider.coalesce_window_ms", READ_COALESCE_WINDOW_MS, `requests within ${READ_COALESCE_WINDOW_MS} ms share one AXFR`),
  fixedKey("provider.read_ahead", true, "changed zones are always read ahead"),
  removedKey(
    "provider.read_ahead_concurrency",
    "read-ahead runs on half of provider.concurrency",
    (value, raw) => value === readAheadConcurrency(Number(getPath(raw, "provider.concurrency") ?? DEFAULT_CONCURRENCY)),
  ),
  fixedKey("provider.read_max_age_ms", READ_MAX_AGE_MS, `a read serves requests for ${READ_MAX_AGE_MS} ms`),
  fixedKey("incremental.enabled", true, "deltas are sent to secondaries that ask for them ([sync] incremental on the secondary)"),
  fixedKey("incremental.versions_per_zone", INCREMENTAL.versionsPerZone, `${INCREMENTAL.versionsPerZone} versions are kept per zone`),
  fixedKey("incremental.max_delta_ratio", INCREMENTAL.maxDeltaRatio, `a delta is sent when at most ${INCREMENTAL.maxDeltaRatio} of the zone text`),
];

/** Loads the zone-provider config file (undefined: all defaults). */
export function loadZoneProviderConfig(file: string | undefined): ZoneProviderConfig {
  return loadConfig(zoneProviderConfigSchema, file, retiredZoneProviderKeys, undefined, [...NATS_SECRET_KEYS, "powerdns.api_key"]);
}
