// secondary-syncer configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { hostname } from "node:os";
import { decodeKey, loadConfig, logConfigSchema, natsConfigSchema, readKeyFile, ConfigError, metricsConfigSchema } from "@pdns-distribute/core";
import { z } from "zod";
import { parseCidr } from "@pdns-distribute/answer";

/** True when `text` is an IP address or CIDR prefix. */
function isCidr(text: string): boolean {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
}

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
        /** Most simultaneous TCP connections from one client address; 0: no per-client limit. */
        max_tcp_connections_per_client: z.number().int().min(0).default(50),
        /**
         * Response rate limiting (UDP): responses per second per client /24 (IPv4) or /56 (IPv6) and response
         * kind (answers per question); 0 turns it off. See docs/security.md.
         */
        rrl_responses_per_second: z.number().min(0).default(50),
        /** Every Nth rate-limited response is sent truncated (TC) so real clients retry over TCP; 0: drop all. */
        rrl_slip: z.number().int().min(0).max(10).default(2),
        /** Seconds a flood is remembered (a bucket's debt is capped at window × rate). */
        rrl_window: z.number().int().min(1).max(3600).default(15),
        /** CIDRs (or addresses) allowed to AXFR over TCP; empty: transfers are REFUSED to everyone. */
        axfr_allow: z
          .array(z.string().refine((s) => isCidr(s), "an IP address or CIDR prefix, e.g. 192.0.2.0/24"))
          .default([]),
        /** UDP socket receive buffer, bytes (SO_RCVBUF; capped by net.core.rmem_max); 0 keeps the OS default. */
        udp_receive_buffer_bytes: z.number().int().min(0).default(2 * 1024 * 1024),
        /** Processes answering DNS on the shared UDP/TCP sockets (Node cluster); 1: answer in the main process. */
        workers: z.number().int().min(1).max(64).default(1),
        /**
         * UDP I/O: "batch" reads and sends up to 64 datagrams per system call (recvmmsg/sendmmsg, native addon),
         * "dgram" uses Node's dgram (one of each per datagram), "auto" batch when the addon loads, else dgram.
         */
        udp_io: z.enum(["auto", "batch", "dgram"]).default("auto"),
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
        /**
         * File with the zone-provider's Ed25519 public key (base64). Read only when none of public_key,
         * public_keys and public_key_files is set.
         */
        public_key_file: z.string().default("/etc/pdns-distribute/zone-signing.pub"),
        /** The public key itself (base64), instead of a file. */
        public_key: z.string().default(""),
        /** Several trusted public key files (key rotation): data signed by any of them is accepted. */
        public_key_files: z.array(z.string().min(1)).default([]),
        /** Several trusted public keys inline (base64), added to public_key and public_key_files. */
        public_keys: z.array(z.string().min(1)).default([]),
        /** Largest allowed difference between a zone-data reply's signing time and this host's clock, s. */
        max_clock_skew_s: z.number().int().positive().default(300),
      })
      .strict()
      .prefault({}),
    sync: z
      .object({
        /** Time allowed for a zone-data request, ms (per zone it grows after timeouts and for slow zones, see below). */
        request_timeout_ms: z.number().int().positive().default(10_000),
        /**
         * Most time allowed for one zone-data request, ms: a timed-out request doubles the next one's timeout
         * for that zone up to this, and a reply sets it to 3x how long it took (large zones take the
         * zone-provider seconds to read, render and sign).
         */
        max_request_timeout_ms: z.number().int().positive().default(600_000),
        /** JetStream ack wait of this secondary's consumer, ms. */
        ack_wait_ms: z.number().int().positive().default(60_000),
        /** Largest redelivery delay after failures, ms (backoff doubles up to this). */
        max_retry_delay_ms: z.number().int().positive().default(30_000),
        /** Zones transferred at the same time (one zone's events always stay in order). */
        parallel_transfers: z.number().int().min(1).max(256).default(8),
        /**
         * When the first event reaches an idle secondary, wait this long for more before transferring, ms. Events
         * arriving while a batch is applied are always coalesced and a burst widens the window (below), so the
         * default is 0: an isolated change is fetched at once (the zone-provider has read it ahead already).
         */
        coalesce_window_ms: z.number().int().min(0).max(10_000).default(0),
        /**
         * Largest coalescing window, ms: while events for zones applied within this long keep arriving during
         * each batch (a burst, on one zone or many), the window doubles from coalesce_window_ms up to this; after
         * an idle period it is back to coalesce_window_ms, so an isolated change (or one change at a time) is not
         * delayed. Equal to coalesce_window_ms: fixed window.
         */
        coalesce_max_window_ms: z.number().int().min(0).max(60_000).default(1000),
        /**
         * Tell the zone-provider which version of a zone is held (serial and SHA-256), so a change comes as a
         * delta (lines removed and added) instead of the whole zone; verified like a full transfer.
         */
        incremental: z.boolean().default(true),
        /**
         * Zone texts of this many bytes and more are parsed and compiled on a worker thread, so DNS answers for
         * every zone go on meanwhile (a 100,000-record zone takes about a second); smaller ones on the main thread,
         * where that is quicker than handing them over. 0: every zone on the worker thread.
         */
        compile_thread_min_bytes: z.number().int().min(0).default(262_144),
      })
      .strict()
      .prefault({}),
    /** Prometheus endpoint (GET /metrics); empty listen_address: off. */
    metrics: metricsConfigSchema(9204),
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

/**
 * Every trusted zone-provider public key: public_key, public_keys and public_key_files together, or
 * public_key_file alone when none of those is set. ConfigError names the key.
 */
export function trustedPublicKeys(cfg: SecondarySyncerConfig): Uint8Array[] {
  const s = cfg.signing;
  const keys: Uint8Array[] = [];
  const add = (key: string, read: () => Uint8Array) => {
    try {
      keys.push(read());
    } catch (err) {
      throw new ConfigError(`${key}: ${(err as Error).message}`, { cause: err });
    }
  };
  if (s.public_key !== "") add("signing.public_key", () => decodeKey(s.public_key, 32, "signing.public_key"));
  s.public_keys.forEach((k, i) => add(`signing.public_keys[${i}]`, () => decodeKey(k, 32, `signing.public_keys[${i}]`)));
  s.public_key_files.forEach((f, i) => add(`signing.public_key_files[${i}]`, () => readKeyFile(f, 32)));
  if (keys.length === 0) add("signing.public_key_file", () => readKeyFile(s.public_key_file, 32));
  return keys;
}

/** The first trusted zone-provider public key (see {@link trustedPublicKeys}). */
export function publicKeyOf(cfg: SecondarySyncerConfig): Uint8Array {
  const [first] = trustedPublicKeys(cfg);
  if (!first) throw new ConfigError("signing: no trusted zone-provider public key configured");
  return first;
}
