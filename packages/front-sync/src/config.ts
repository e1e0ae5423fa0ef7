// front-sync configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { CONFIG_DIR, loadConfig, logConfigSchema, metricsConfigSchema, natsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";

const secondaryId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1-64 letters, digits, _ or -");
/** `host:port`, IPv4 or bracketed IPv6, as dnsdist and pdns-recursor write server addresses. */
const serverAddress = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/, "an address like 192.0.2.2:53 or [2001:db8::2]:53");
/** A dnsdist pool or rule name: also used inside Lua strings, so kept plain. */
const plainName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "1-64 letters, digits, _ . or -");

/** Schema of the front-sync config file. */
export const frontSyncConfigSchema = z
  .object({
    front: z
      .object({
        /** Ids of the secondaries behind the front: a zone is routed while at least one of them serves it. */
        secondaries: z.array(secondaryId).min(1).default(["ns2", "ns3"]),
        /** Seconds between checks that the secondaries' zone lists (digest first) and dnsdist's rule are as expected. */
        check_interval_s: z.number().positive().default(10),
      })
      .strict()
      .prefault({}),
    dnsdist: z
      .object({
        /** Keep dnsdist's rule current (false: only the recursor is kept). */
        enabled: z.boolean().default(true),
        /** dnsdist's console, as in its `controlSocket("127.0.0.1:5199")`. */
        console_address: z.string().min(1).default("127.0.0.1"),
        console_port: z.number().int().min(1).max(65535).default(5199),
        /** File holding the console key exactly as given to dnsdist's `setKey("…")` (base64, 32 bytes); mode 0600. */
        key_file: z.string().min(1).default(`${CONFIG_DIR}/dnsdist-console.key`),
        /** dnsdist pool of the secondaries: queries for routed zones go there. */
        pool: plainName.default("pdns-distribute"),
      })
      .strict()
      .prefault({}),
    recursor: z
      .object({
        /** Keep the recursor's forward-zones file current (false: only dnsdist is kept). */
        enabled: z.boolean().default(true),
        /** The file named by the recursor's `forward-zones-file`; this daemon owns it and rewrites it whole. */
        forward_zones_file: z.string().min(1).default("/var/lib/pdns-distribute-front-sync/forward-zones"),
        /** Where the recursor sends queries for routed zones: the secondaries' DNS addresses. */
        forwarders: z.array(serverAddress).min(1).default(["127.0.0.1:53"]),
        /** The rec_control program. */
        rec_control: z.string().min(1).default("rec_control"),
        /** The recursor's `socket-dir` (empty: rec_control's own default). */
        socket_dir: z.string().default(""),
      })
      .strict()
      .prefault({}),
    nats: natsConfigSchema,
    log: logConfigSchema,
    metrics: metricsConfigSchema(9206),
  })
  .strict();

/** Fixed settings (not config keys): changes batched for 20 ms; zone-state requests 2 s, 10,000 zones a page;
 *  the rule `pdns-distribute-zones-<n>`; 2 s per console command; 5 s per rec_control run. */
export const FRONT_SYNC_FIXED = {
  pushDelayMs: 20,
  requestTimeoutMs: 2000,
  pageSize: 10_000,
  ruleName: "pdns-distribute-zones",
  consoleTimeoutMs: 2000,
  recControlTimeoutMs: 5000,
  /** The recursor's cache is wiped again this long after a push: past its outgoing query timeout (1.5 s by default). */
  rewipeDelayMs: 2000,
  /** dnsdist's default pool, where names no rule matches go (the recipe's recursor): it may hold the recursor's
   *  answers for a zone from before the zone was routed, which must go when the zone is unrouted. */
  fallbackPool: "",
  /** More zones than this changed in one push: the two packet caches are emptied instead of expunged name by name. */
  expungeWholeAbove: 100,
} as const;

/** Parsed front-sync config. */
export type FrontSyncConfig = z.infer<typeof frontSyncConfigSchema>;

/** Loads and validates the config file (undefined: all defaults); throws ConfigError naming the key. */
export function loadFrontSyncConfig(file: string | undefined): FrontSyncConfig {
  return loadConfig(frontSyncConfigSchema, file);
}
