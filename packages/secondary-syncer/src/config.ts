// secondary-syncer configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { hostname } from "node:os";
import { decodeKey, loadConfig, logConfigSchema, natsConfigSchema, readKeyFile, ConfigError } from "@pdns-distribute/core";
import { z } from "zod";

/** Schema of the secondary-syncer config file. */
export const secondarySyncerConfigSchema = z
  .object({
    secondary: z
      .object({
        /** Unique id of this secondary; names its durable JetStream consumer. Default: the host name. */
        id: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -")
          .default(hostname().replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64) || "secondary"),
        /** Human-readable name shown in status output. Default: the id. */
        name: z.string().default(""),
        /** Seconds between heartbeats. */
        heartbeat_interval_s: z.number().positive().default(5),
      })
      .strict()
      .prefault({}),
    dns: z
      .object({
        /** Address the DNS server binds (UDP and TCP). */
        listen_address: z.string().min(1).default("0.0.0.0"),
        /** DNS port. */
        listen_port: z.number().int().min(0).max(65535).default(53),
        /** Idle TCP connections are closed after this many ms. */
        tcp_idle_timeout_ms: z.number().int().positive().default(10_000),
        /** Most simultaneous TCP connections. */
        max_tcp_connections: z.number().int().positive().default(1000),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** SQLite database holding the zones. */
        database: z.string().min(1).default("/var/lib/pdns-distribute/secondary.sqlite3"),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        /** File with the zone-provider's Ed25519 public key (base64). Ignored when public_key is set. */
        public_key_file: z.string().default("/etc/pdns-distribute/zone-signing.pub"),
        /** The public key itself (base64), instead of a file. */
        public_key: z.string().default(""),
      })
      .strict()
      .prefault({}),
    sync: z
      .object({
        /** Time allowed for a zone-data request, ms. */
        request_timeout_ms: z.number().int().positive().default(10_000),
        /** JetStream ack wait of this secondary's consumer, ms. */
        ack_wait_ms: z.number().int().positive().default(60_000),
        /** Largest redelivery delay after failures, ms (backoff doubles up to this). */
        max_retry_delay_ms: z.number().int().positive().default(30_000),
      })
      .strict()
      .prefault({}),
    nats: natsConfigSchema,
    log: logConfigSchema,
  })
  .strict();

/** Parsed secondary-syncer config. */
export type SecondarySyncerConfig = z.infer<typeof secondarySyncerConfigSchema>;

/** Loads the secondary-syncer config file (undefined: all defaults). */
export function loadSecondarySyncerConfig(file: string | undefined): SecondarySyncerConfig {
  return loadConfig(secondarySyncerConfigSchema, file);
}

/** The configured zone-provider public key (inline or from the file); ConfigError names the key. */
export function publicKeyOf(cfg: SecondarySyncerConfig): Uint8Array {
  try {
    if (cfg.signing.public_key !== "") return decodeKey(cfg.signing.public_key, 32, "signing.public_key");
    return readKeyFile(cfg.signing.public_key_file, 32);
  } catch (err) {
    const key = cfg.signing.public_key !== "" ? "signing.public_key" : "signing.public_key_file";
    throw new ConfigError(`${key}: ${(err as Error).message}`, { cause: err });
  }
}
