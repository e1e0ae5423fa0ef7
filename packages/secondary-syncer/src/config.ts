// secondary-syncer configuration: TOML file validated with zod; every key has a default (see config.example.toml).
import { hostname } from "node:os";
import {
  ConfigError,
  SIGNING_KEY_BASE,
  STATE_DIR,
  fixedKey,
  getPath,
  loadConfig,
  logConfigSchema,
  metricsConfigSchema,
  natsConfigSchema,
  readKeyFile,
  removedKey,
  retiredNatsKeys,
  setPath,
} from "@pdns-distribute/core";
import type { RetiredKey } from "@pdns-distribute/core";
import { z } from "zod";
import { parseCidr } from "@pdns-distribute/answer";

/*
 * Fixed values that used to be keys: each has a right value no operator needs to change.
 */
/** A zone-data reply signed further than this from this host's clock is refused (replay window), ms. */
export const MAX_CLOCK_SKEW_MS = 300 * 1000;
/**
 * Most time one zone-data request may get, ms: per zone a timed-out request doubles the next one's timeout up to
 * this, and a reply sets it to 3× how long it took (a large zone takes the zone-provider seconds to read and sign).
 */
export const MAX_REQUEST_TIMEOUT_MS = 600 * 1000;
/** JetStream ack wait of the secondary's consumer, ms (events in work are acked "in progress" meanwhile). */
export const ACK_WAIT_MS = 60 * 1000;
/** Idle TCP DNS connections are closed after this long, ms (RFC 7766 §6.2.3 suggests seconds). */
export const TCP_IDLE_TIMEOUT_MS = 10 * 1000;
/** UDP socket receive buffer (SO_RCVBUF; the kernel caps it at net.core.rmem_max, the operator's real knob). */
export const UDP_RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024;

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
        /** Most simultaneous TCP connections. */
        max_tcp_connections: z.number().int().positive().default(1000),
        /** Most simultaneous TCP connections from one client prefix (IPv4 /24, IPv6 /56); 0: no per-prefix limit. */
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
        /**
         * Addresses or CIDR prefixes RRL never limits, e.g. the address a dnsdist front queries from (docs/front.md);
         * clients presenting a valid DNS server cookie are not limited either.
         */
        rrl_exempt: z
          .array(z.string().refine((s) => isCidr(s), "an IP address or CIDR prefix, e.g. 192.0.2.0/24"))
          .default([]),
        /** CIDRs (or addresses) allowed to AXFR over TCP; empty: transfers are REFUSED to everyone. */
        axfr_allow: z
          .array(z.string().refine((s) => isCidr(s), "an IP address or CIDR prefix, e.g. 192.0.2.0/24"))
          .default([]),
        /** Processes answering DNS on the shared UDP/TCP sockets (Node cluster); 1: answer in the main process. */
        workers: z.number().int().min(1).max(64).default(1),
        /**
         * UDP I/O: "batch" reads and sends up to 64 datagrams per system call (recvmmsg/sendmmsg, native addon),
         * "dgram" uses Node's dgram (one of each per datagram), "auto" batch when the addon loads, else dgram.
         */
        udp_io: z.enum(["auto", "batch", "dgram"]).default("auto"),
        /**
         * NSID (RFC 5001): the name server identifier sent to queries that ask for it with an NSID option. false
         * (default): off; true: this host's name; a string: that text (at most 128 octets).
         */
        nsid: z
          .union([z.boolean(), z.string().min(1).refine((s) => Buffer.byteLength(s) <= 128, "at most 128 octets")])
          .default(false),
        /**
         * DNS Cookies (RFC 7873, RFC 9018 server cookies): a query with a COOKIE option gets a server cookie back;
         * clients with a valid one are not rate-limited. Never required (no BADCOOKIE). false: options ignored.
         */
        cookies: z.boolean().default(true),
        /**
         * Seconds between server secret rotations (random at start, in memory; cookies made with the previous
         * secret still verify, and no cookie is good for more than an hour).
         */
        cookie_rotation_s: z.number().int().min(60).max(86_400).default(3600),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** SQLite database holding the zones. */
        database: z.string().min(1).default(`${STATE_DIR}/secondary.sqlite3`),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        /**
         * Files with the zone-provider's Ed25519 public key (base64, as keygen writes it): data signed by any of them
         * is accepted. Several during a key rotation (docs/security.md).
         */
        public_key_files: z.array(z.string().min(1)).min(1).default([`${SIGNING_KEY_BASE}.pub`]),
      })
      .strict()
      .prefault({}),
    sync: z
      .object({
        /** Time allowed for a zone-data request, ms (per zone it grows after timeouts and for slow zones, up to 10 min). */
        request_timeout_ms: z.number().int().positive().default(10_000),
        /** Largest redelivery delay after failures, ms (backoff doubles up to this). */
        max_retry_delay_ms: z.number().int().positive().default(30_000),
        /** Zones transferred at the same time (one zone's events always stay in order). */
        parallel_transfers: z.number().int().min(1).max(256).default(8),
        /**
         * Largest coalescing window, ms: an isolated change is fetched at once; while events for zones applied within
         * this long keep arriving during each batch (a burst, on one zone or many), the window doubles up to this;
         * after an idle period it is back to 0, so one change at a time is not delayed. 0: never wait.
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
        /**
         * A change that comes as a delta to an unsigned zone is served as an overlay of the RRsets it changes on the
         * zone served, without compiling the zone whole (docs/scale.md); once a zone carries this many changed
         * RRsets it is compiled whole again in the background (on the worker thread when large). 0: every change
         * compiled whole. Also the number of changes a zone's SQLite change log holds before its base is rewritten
         * (2000 when 0).
         */
        overlay_max_changes: z.number().int().min(0).default(2000),
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

/** Carries an old `signing.public_key_file` over into `signing.public_key_files` (it was read only when no other key was set). */
const publicKeyFile: RetiredKey = {
  key: "signing.public_key_file",
  migrate(value, raw) {
    const files = getPath(raw, "signing.public_key_files");
    if (Array.isArray(files) && files.length > 0) {
      return "signing.public_key_file is no longer read (it was ignored with signing.public_key_files set, as now): remove it";
    }
    setPath(raw, "signing.public_key_files", [value]);
    return `signing.public_key_file is now signing.public_key_files (read as public_key_files = [${JSON.stringify(value)}] this time): rename it`;
  },
};

const INLINE_KEYS = "keys are read from files only: write each key to a file (as keygen does) and list it in signing.public_key_files";

/** Keys older files may still set: carried over with a warning, or refused naming what to do instead. */
export const retiredSecondarySyncerKeys: readonly RetiredKey[] = [
  ...retiredNatsKeys,
  removedKey("signing.public_key", INLINE_KEYS, (v) => v === ""),
  removedKey("signing.public_keys", INLINE_KEYS, (v) => Array.isArray(v) && v.length === 0),
  publicKeyFile,
  fixedKey("signing.max_clock_skew_s", MAX_CLOCK_SKEW_MS / 1000, `replies signed more than ${MAX_CLOCK_SKEW_MS / 1000} s off are refused`),
  fixedKey("sync.max_request_timeout_ms", MAX_REQUEST_TIMEOUT_MS, `a zone-data request gets at most ${MAX_REQUEST_TIMEOUT_MS} ms`),
  fixedKey("sync.ack_wait_ms", ACK_WAIT_MS, `the consumer's ack wait is ${ACK_WAIT_MS} ms`),
  fixedKey("sync.coalesce_window_ms", 0, "an isolated change is fetched at once; a burst widens the window up to sync.coalesce_max_window_ms"),
  fixedKey("dns.tcp_idle_timeout_ms", TCP_IDLE_TIMEOUT_MS, `idle TCP connections are closed after ${TCP_IDLE_TIMEOUT_MS} ms`),
  fixedKey("dns.udp_receive_buffer_bytes", UDP_RECEIVE_BUFFER_BYTES, `SO_RCVBUF is ${UDP_RECEIVE_BUFFER_BYTES} (raise net.core.rmem_max to let it grow)`),
];

/** Loads the secondary-syncer config file (undefined: all defaults). */
export function loadSecondarySyncerConfig(file: string | undefined): SecondarySyncerConfig {
  return loadConfig(secondarySyncerConfigSchema, file, retiredSecondarySyncerKeys);
}

/** Every trusted zone-provider public key, one per file in signing.public_key_files. ConfigError names the key. */
export function trustedPublicKeys(cfg: SecondarySyncerConfig): Uint8Array[] {
  return cfg.signing.public_key_files.map((file, i) => {
    try {
      return readKeyFile(file, 32);
    } catch (err) {
      throw new ConfigError(`signing.public_key_files[${i}]: ${(err as Error).message}`, { cause: err });
    }
  });
}

/** The first trusted zone-provider public key (see {@link trustedPublicKeys}). */
export function publicKeyOf(cfg: SecondarySyncerConfig): Uint8Array {
  const [first] = trustedPublicKeys(cfg);
  if (!first) throw new ConfigError("signing: no trusted zone-provider public key configured");
  return first;
}
