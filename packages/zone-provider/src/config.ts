// zone-provider configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { loadConfig, logConfigSchema, natsConfigSchema, metricsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

/** Schema of the zone-provider config file. */
export const zoneProviderConfigSchema = z
  .object({
    powerdns: z
      .object({
        /** Address of PowerDNS' DNS listener that allows AXFR from this host. */
        dns_address: z.string().min(1).default("127.0.0.1"),
        /** Port of PowerDNS' DNS listener. */
        dns_port: z.number().int().min(1).max(65535).default(53),
        /** Time allowed for one AXFR, ms. */
        axfr_timeout_ms: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        /** Ed25519 secret key file written by `pdns-distribute-zone-provider keygen` (mode 0600). */
        private_key_file: z.string().min(1).default("/etc/pdns-distribute/zone-signing.key"),
      })
      .strict()
      .prefault({}),
    provider: z
      .object({
        /** Zone-data requests served at the same time by this process. */
        concurrency: z.number().int().min(1).max(1024).default(8),
        /** Requests for the same zone arriving within this many ms share one AXFR (0: never share). */
        coalesce_window_ms: z.number().int().min(0).max(1000).default(2),
        /**
         * Watch the zone events and read each changed zone from PowerDNS at once, so the secondaries' requests
         * (which name the events they answer) find the data ready and share one read (docs/scale.md).
         */
        read_ahead: z.boolean().default(true),
        /** Read-ahead reads running at the same time (further changed zones wait, up to 16 × this many). */
        read_ahead_concurrency: z.number().int().min(1).max(1024).default(4),
        /** How long a finished read still serves requests for the events it covers, ms. */
        read_max_age_ms: z.number().int().min(0).max(600_000).default(5000),
      })
      .strict()
      .prefault({}),
    /** Large zones: zone texts over inline_max_bytes travel through a JetStream object store (docs/scale.md). */
    zone_text: z
      .object({
        /** Zone texts larger than this many UTF-8 bytes (or whose reply would exceed max_payload) go by reference. */
        inline_max_bytes: z.number().int().min(1024).default(262_144),
        /** Object store bucket; created with the settings below if missing, never changed if present. */
        bucket: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -").default("PDNS_ZONE_TEXT"),
        /** How long a stored zone text is kept, seconds (bucket TTL; secondaries fetch it right away). */
        ttl_s: z.number().int().min(60).default(3600),
        /** Replicas of the bucket (3 on a 3-node NATS cluster). */
        replicas: z.number().int().min(1).max(5).default(1),
      })
      .strict()
      .prefault({}),
    /** Incremental transfer: deltas from the version a secondary holds (docs/scale.md). */
    incremental: z
      .object({
        /** Answer requests that say which version they hold with the difference, when it is small enough. */
        enabled: z.boolean().default(true),
        /** Recent versions kept per zone to compute deltas from. */
        versions_per_zone: z.number().int().min(1).max(1000).default(8),
        /** Memory for kept versions in all, MiB (least recently served zones give way first). */
        cache_mib: z.number().int().min(1).max(1_048_576).default(256),
        /** Send a delta only when it is at most this fraction of the full zone text. */
        max_delta_ratio: z.number().gt(0).max(1).default(0.5),
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

/** Loads the zone-provider config file (undefined: all defaults). */
export function loadZoneProviderConfig(file: string | undefined): ZoneProviderConfig {
  return loadConfig(zoneProviderConfigSchema, file);
}
