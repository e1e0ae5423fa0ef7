// DNS worker process (Node cluster): loads zones read-only from SQLite, answers on the shared sockets, reloads on IPC.
import cluster from "node:cluster";
import Database from "better-sqlite3";
import { createLogger, decodeKey, verifySignedZone } from "@pdns-distribute/core";
import type { Logger, SignedZone } from "@pdns-distribute/core";
import { applyRRsetChanges, overlayChanges, startDnsServer } from "@pdns-distribute/answer";
import { dnsServerOptions } from "./dns-options";
import { createQueryTally } from "./metrics";
import { parseSignedZoneRecords } from "./apply";
import type { SecondarySyncerConfig } from "./config";
import { createServedZones } from "./served-zones";
import { storedZoneReader } from "./store";
import type { StoredZoneReader } from "./store";
import type { ServedChanges, ServedZoneSet } from "./served-zones";

/** Environment variable carrying a worker's {@link DnsWorkerSetup} as JSON. */
export const DNS_WORKER_ENV = "PDNSD_DNS_WORKER_SETUP";

/** What the primary hands a worker: the parsed config, the trusted zone-provider public keys (base64), the port to use. */
export interface DnsWorkerSetup {
  cfg: SecondarySyncerConfig;
  publicKeys: string[];
  port: number;
}

/** A worker sends its query tally to the primary this often (a worker that dies loses at most this much). */
export const QUERY_TALLY_FLUSH_MS = 1000;

/** Messages over the cluster IPC channel (plain JSON, `type` discriminates). */
export type DnsWorkerMessage =
  /**
   * primary → worker: the zone changed (or appeared) in SQLite: apply `changes` (records in presentation form) to the
   * version served if it is the one they come from, else reload the zone.
   */
  | { type: "zone-changed"; zone: string; changes?: ServedChanges }
  /** primary → worker: the zone was removed; stop serving it. */
  | { type: "zone-removed"; zone: string }
  /** worker → primary: send me the DNS cookie master secret (before the worker listens). */
  | { type: "cookie-secret-request" }
  /** primary → worker: the DNS cookie master secret (base64), the same for every worker (dns-workers.ts). */
  | { type: "cookie-secret"; secret: string }
  /** worker → primary: listening on this address and port, serving `zones` zones. */
  | { type: "listening"; address: string; port: number; zones: number }
  /** primary → worker: send your query tally now (before a scrape), answering with this `flush` number. */
  | { type: "flush-query-tally"; flush: number }
  /**
   * worker → primary: queries counted since the last one, `[slot, count, …]` of metrics.ts (non-zero slots only,
   * at most QUERY_TALLY_SLOTS pairs); `flush` when it answers a flush-query-tally.
   */
  | { type: "query-tally"; delta: number[]; flush?: number; cookies?: number[] };

/** Reads one or all zones (base and logged changes) from the secondary's SQLite database without writing to it. */
function openReadOnlyZones(path: string): StoredZoneReader & { close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const reader = storedZoneReader(db);
  return { get: (zone) => reader.get(zone), all: (onUnreadable) => reader.all(onUnreadable), close: () => db.close() };
}

/** Verifies, parses and compiles one stored zone into `served`; logs and keeps the old version on failure. */
function loadZone(zone: SignedZone, served: ServedZoneSet, publicKey: Uint8Array[], logger: Logger): boolean {
  try {
    verifySignedZone(zone, publicKey);
    served.replace(zone.zone, parseSignedZoneRecords(zone));
    return true;
  } catch (err) {
    logger.error({ zone: zone.zone, err: (err as Error).message }, "stored zone not served by this worker");
    return false;
  }
}

/** Reloads one zone from SQLite (its base and logged changes): verified and compiled whole, removed if gone. */
function reloadZone(store: StoredZoneReader, served: ServedZoneSet, name: string, publicKey: Uint8Array[], logger: Logger): void {
  let zone: SignedZone | undefined;
  try {
    zone = store.get(name);
  } catch (err) {
    logger.error({ zone: name, err: (err as Error).message }, "stored zone not served by this worker: its change log does not apply");
    return;
  }
  if (zone === undefined) served.remove(name);
  else loadZone(zone, served, publicKey, logger);
}

/**
 * Applies the primary's RRset changes to the version served as an overlay (the primary verified them, and stored
 * them before telling), when that is the version they come from and they give the serial announced; returns false
 * when the zone must be reloaded instead (another version served, changes that do not apply, or the overlay grown
 * to `compactAt` changes: 0 never).
 */
function applyChanges(served: ServedZoneSet, name: string, c: ServedChanges, compactAt: number): boolean {
  const zone = served.zoneSet.get(name);
  if (zone === undefined || zone.serial !== c.fromSerial) return false;
  const { zone: next } = applyRRsetChanges(zone, c.changes);
  if (next === null || next.serial !== c.serial || (compactAt > 0 && overlayChanges(next) >= compactAt)) return false;
  served.zoneSet.put(next);
  return true;
}

/** Main of a DNS worker: serves every stored zone, then follows the primary's change notifications. */
export async function runDnsWorker(setup: DnsWorkerSetup): Promise<void> {
  const { cfg } = setup;
  const logger = createLogger("secondary-syncer", cfg.log.level).child({ secondary: cfg.secondary.id, worker: cluster.worker?.id });
  const publicKey = setup.publicKeys.map((k, i) => decodeKey(k, 32, `signing key ${i}`));
  const store = openReadOnlyZones(cfg.storage.database);
  const served = createServedZones();
  // Overlaid changes a zone may carry before this worker compiles it whole from SQLite: staggered over the workers
  // (the bound times 1 + (id mod n) / n), so that they do not all stop answering to compile at the same change.
  const workers = Math.max(1, cfg.dns.workers);
  const max = cfg.sync.overlay_max_changes;
  const compactAt = max > 0 ? max + Math.floor((max * ((cluster.worker?.id ?? 0) % workers)) / workers) : 0;
  const unreadable = (zone: string, err: Error): void => logger.error({ zone, err: err.message }, "stored zone not served by this worker: its change log does not apply");
  for (const zone of store.all(unreadable)) loadZone(zone, served, publicKey, logger);
  // Queries are tallied like in the main process and sent to the primary, which counts them in its metrics.
  const queries = createQueryTally();
  // DNS cookie outcomes ride along as `cookies`: [client-only, valid, invalid] since the last message.
  let cookieCounts: Readonly<{ clientOnly: number; valid: number; invalid: number }> | undefined;
  const cookiesSent = [0, 0, 0];
  const cookieDelta = (): number[] | undefined => {
    if (cookieCounts === undefined) return undefined;
    const now = [cookieCounts.clientOnly, cookieCounts.valid, cookieCounts.invalid];
    const delta = now.map((n, i) => n - (cookiesSent[i] ?? 0));
    now.forEach((n, i) => (cookiesSent[i] = n));
    return delta.some((n) => n > 0) ? delta : undefined;
  };
  const sendQueryTally = (flush?: number, sent?: () => void): void => {
    const delta = queries.take();
    const cookies = cookieDelta();
    if ((delta.length === 0 && flush === undefined && cookies === undefined) || !process.connected || process.send === undefined) return sent?.();
    const msg: DnsWorkerMessage = { type: "query-tally", delta, ...(flush === undefined ? {} : { flush }), ...(cookies === undefined ? {} : { cookies }) };
    process.send(msg, undefined, undefined, () => sent?.());
  };
  const tallyTimer = setInterval(() => sendQueryTally(), QUERY_TALLY_FLUSH_MS);
  tallyTimer.unref();
  process.on("message", (msg: DnsWorkerMessage) => {
    if (msg.type === "flush-query-tally") return sendQueryTally(msg.flush);
    if (msg.type === "zone-removed") served.remove(msg.zone);
    if (msg.type !== "zone-changed") return;
    if (msg.changes && applyChanges(served, msg.zone, msg.changes, compactAt)) {
      logger.debug({ zone: msg.zone, serial: msg.changes.serial, changes: msg.changes.changes.length }, "zone changes applied as an overlay");
      return;
    }
    logger.debug({ zone: msg.zone }, "zone reloaded from SQLite");
    reloadZone(store, served, msg.zone, publicKey, logger);
  });
  const secret = cfg.dns.cookies ? await cookieSecretFromPrimary() : undefined;
  const dns = await startDnsServer(dnsServerOptions(cfg, setup.port, served.zoneSet, logger, queries.onQuery, undefined, secret));
  cookieCounts = dns.cookieCounts;
  const { address, port } = dns.address();
  process.send?.({ type: "listening", address, port, zones: served.count() } satisfies DnsWorkerMessage);
  process.once("SIGTERM", () => {
    void dns.close().then(() => {
      clearInterval(tallyTimer);
      store.close();
      sendQueryTally(undefined, () => process.exit(0)); // the last queries still reach the primary
    });
  });
}

/**
 * Asks the primary for the DNS cookie master secret over the IPC channel (not the environment, which other
 * processes of the user can read), so that every worker makes and accepts the same cookies.
 */
function cookieSecretFromPrimary(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) return reject(new Error("no IPC channel to the secondary-syncer"));
    const onMessage = (msg: DnsWorkerMessage): void => {
      if (msg.type !== "cookie-secret") return;
      process.off("message", onMessage);
      resolve(Buffer.from(msg.secret, "base64"));
    };
    process.on("message", onMessage);
    process.send({ type: "cookie-secret-request" } satisfies DnsWorkerMessage);
  });
}

if (require.main === module) {
  const raw = process.env[DNS_WORKER_ENV];
  if (raw === undefined) {
    process.stderr.write(`dns-worker: ${DNS_WORKER_ENV} is not set (workers are started by the secondary-syncer)\n`);
    process.exit(1);
  }
  runDnsWorker(JSON.parse(raw) as DnsWorkerSetup).catch((err: unknown) => {
    process.stderr.write(`dns-worker: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
