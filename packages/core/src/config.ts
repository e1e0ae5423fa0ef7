// Loads a daemon's TOML config file and validates it with a zod schema; errors name the key.
import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { z } from "zod";
import { ConfigError } from "./errors";
import { applyRetiredKeys, fixedKey, renamedKey } from "./retired-keys";
import type { ConfigTree, RetiredKey } from "./retired-keys";
import { ZONE_EVENT_STREAM } from "./subjects";

/**
 * Limits of the zone event stream when a daemon creates it (not keys: only the first daemon to start would apply
 * them, and an existing stream is never changed; tune a running one with `nats stream edit`). Seven days lets a
 * secondary that was off for a week replay what it missed; past that the health-checker repairs it.
 */
export const ZONE_EVENT_STREAM_MAX_AGE_HOURS = 24 * 7;
/** Most events kept in a newly created stream; the oldest are dropped beyond it (see above). */
export const ZONE_EVENT_STREAM_MAX_MSGS = 1_000_000;
/** Wait between NATS reconnect attempts, ms (reconnects never stop; a few clients per host cost the server nothing). */
export const RECONNECT_WAIT_MS = 1000;

/** Where the packages keep state (the systemd units may write only there) and configuration. */
export const STATE_DIR = "/var/lib/pdns-distribute";
/** See {@link STATE_DIR}. */
export const CONFIG_DIR = "/etc/pdns-distribute";
/** The zone-signing key pair keygen writes by default: `<base>.key` (secret, 0600) and `<base>.pub`. */
export const SIGNING_KEY_BASE = `${CONFIG_DIR}/zone-signing`;
/** PowerDNS on the primary as pdns.conf sets it up by default: the API on 8081, DNS on 53 (one place for these). */
export const POWERDNS_DEFAULTS = { apiUrl: "http://127.0.0.1:8081", dnsAddress: "127.0.0.1", dnsPort: 53 } as const;
import { assertConfigSecretsPrivate } from "./secrets";

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
    /**
     * JetStream replicas of what the daemons create when it is missing: the zone event stream, the zone-text object
     * store and the health-checker's lock bucket (3 on a 3-node cluster). Existing ones are never changed.
     */
    replicas: z.number().int().min(1).max(5).default(1),
  })
  .strict()
  .prefault({});

/** `[nats]` keys that were removed or renamed (every daemon has this section). */
export const retiredNatsKeys: readonly RetiredKey[] = [
  renamedKey("nats.stream_replicas", "nats.replicas"),
  fixedKey("nats.stream", ZONE_EVENT_STREAM, `the zone event stream is always ${ZONE_EVENT_STREAM}`),
  fixedKey(
    "nats.stream_max_age_hours",
    ZONE_EVENT_STREAM_MAX_AGE_HOURS,
    `a new stream keeps events ${ZONE_EVENT_STREAM_MAX_AGE_HOURS} h; change it on the stream: nats stream edit ${ZONE_EVENT_STREAM} --max-age=…`,
  ),
  fixedKey(
    "nats.stream_max_msgs",
    ZONE_EVENT_STREAM_MAX_MSGS,
    `a new stream keeps ${ZONE_EVENT_STREAM_MAX_MSGS} events; change it on the stream: nats stream edit ${ZONE_EVENT_STREAM} --max-msgs=…`,
  ),
  fixedKey("nats.reconnect_wait_ms", RECONNECT_WAIT_MS, `reconnects are tried every ${RECONNECT_WAIT_MS} ms`),
];

/** Keys of the `[nats]` section that hold a secret inline (see {@link loadConfig}). */
export const NATS_SECRET_KEYS: readonly string[] = ["nats.password", "nats.token"];

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

/** Where {@link loadConfig} reports a retired key that still works: one line on stderr. */
function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** The keys among `keys` (dotted paths) whose value in `cfg` is a non-empty string. */
function setKeys(cfg: unknown, keys: readonly string[]): string[] {
  return keys.filter((key) => {
    const value = key.split(".").reduce<unknown>((v, part) => (v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined), cfg);
    return typeof value === "string" && value !== "";
  });
}

/**
 * Reads and validates a TOML config file. A missing `file` (undefined) yields all defaults. Keys in `retired`
 * (renamed or removed ones, see retired-keys.ts) are carried over with a warning through `warn`, or refused.
 * Throws ConfigError with the file name, the key and the problem, and KeyFileError when one of `secretKeys`
 * (dotted paths; default the NATS password and token) is set and users other than the file's owner and group
 * can read it (secrets.ts).
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  file: string | undefined,
  retired: readonly RetiredKey[] = [],
  warn: (message: string) => void = warnOnStderr,
  secretKeys: readonly string[] = NATS_SECRET_KEYS,
): z.infer<S> {
  if (file === undefined) return validateConfig(schema, {}, "defaults");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  let raw: ConfigTree;
  try {
    raw = parseToml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid TOML: ${(err as Error).message}`, { cause: err });
  }
  const warnings = applyRetiredKeys(raw, retired, file);
  const cfg = validateConfig(schema, raw, file);
  assertConfigSecretsPrivate(file, setKeys(cfg, secretKeys));
  warnings.forEach(warn);
  return cfg;
}
