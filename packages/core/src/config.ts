// Loads a daemon's TOML config file and validates it with a zod schema; errors name the key.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "./errors";

/** `[nats]` section shared by every daemon. */
export const natsConfigSchema = z
  .object({
    /** NATS server URLs; several for a cluster. */
    servers: z.array(z.string().min(1)).min(1).default(["nats://127.0.0.1:4222"]),
    /** Optional user/password or token authentication. */
    user: z.string().default(""),
    password: z.string().default(""),
    token: z.string().default(""),
    /** NKey seed file (mode 0600) for NKey authentication; empty: not used. */
    nkey_seed_file: z.string().default(""),
    /** Credentials file (JWT + NKey seed, mode 0600) for decentralized auth; empty: not used. */
    creds_file: z.string().default(""),
    /** CA certificate (PEM) used to verify the servers' TLS certificates; setting it turns TLS on. */
    tls_ca_file: z.string().default(""),
    /** Client certificate and key (PEM) for mutual TLS; empty: none. The key file must be mode 0600. */
    tls_cert_file: z.string().default(""),
    tls_key_file: z.string().default(""),
    /** Delay between reconnect attempts (ms); reconnects never stop. */
    reconnect_wait_ms: z.number().int().positive().default(1000),
    /** JetStream stream holding zone events. */
    stream: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ and - only").default("PDNS_ZONE_EVENTS"),
    /** JetStream replicas of the zone event stream (3 on a 3-node cluster). */
    stream_replicas: z.number().int().min(1).max(5).default(1),
    /** How long zone events are kept in the stream (hours). */
    stream_max_age_hours: z.number().positive().default(24 * 7),
    /** Most messages kept in the stream; the oldest are dropped beyond it. */
    stream_max_msgs: z.number().int().positive().default(1_000_000),
  })
  .strict()
  .prefault({});

/** `[log]` section shared by every daemon. */
export const logConfigSchema = z
  .object({
    /** pino level: fatal, error, warn, info, debug, trace. */
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict()
  .prefault({});

/** Parsed `[nats]` section. */
export type NatsConfig = z.infer<typeof natsConfigSchema>;
/** Parsed `[log]` section. */
export type LogConfig = z.infer<typeof logConfigSchema>;

/** Formats zod issues as `key.path: problem` lines. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
      return `${key}: ${issue.message}`;
    })
    .join("; ");
}

/** Validates an already parsed object against `schema`; throws ConfigError naming the key. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown, source = "config"): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source}: ${describeIssues(result.error)}`);
  }
  return result.data;
}

/**
 * Reads and validates a TOML config file. A missing `file` (undefined) yields all defaults.
 * Throws ConfigError with the file name, the key and the problem.
 */
export function loadConfig<S extends z.ZodType>(schema: S, file: string | undefined): z.infer<S> {
  if (file === undefined) return validateConfig(schema, {}, "defaults");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid TOML: ${(err as Error).message}`, { cause: err });
  }
  return validateConfig(schema, raw, file);
}
