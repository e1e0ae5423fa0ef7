// Wires a secondary together: SQLite store → served zones → DNS server, then NATS consumer and heartbeat.
import { connectNats, verifySignedZone, zoneTextDigest } from "@pdns-distribute/core";
import type { Logger, NatsConnection } from "@pdns-distribute/core";
import { compileZone, startDnsServer } from "@pdns-distribute/answer";
import { dnsServerOptions } from "./dns-options";
import type { DnsServer, DnsServerOptions } from "@pdns-distribute/answer";
import { parseSignedZoneRecords } from "./apply";
import type { ApplyDeps, HeldDigest, ZoneDataTransfer } from "./apply";
import { ACK_WAIT_MS, MAX_CLOCK_SKEW_MS, MAX_REQUEST_TIMEOUT_MS } from "./config";
import type { SecondarySyncerConfig } from "./config";
import { startEventConsumer } from "./consumer";
import type { ConsumerOutcome, EventConsumer } from "./consumer";
import { natsZoneFetcher } from "./fetcher";
import { ZoneRequestTimeouts } from "./request-timeouts";
import { publishApplied } from "./applied";
import { unverifiedReplyAlert } from "./reply-alert";
import { startHeartbeat } from "./heartbeat";
import { createZoneStateTracker, heldContentOf, startZoneStateResponder } from "./zone-state";
import { startDnsWorkers } from "./dns-workers";
import { startZoneCompileThread } from "./compile-thread";
import type { DnsWorkerPool } from "./dns-workers";
import { createServedZones } from "./served-zones";
import { createOverlayCompactor } from "./overlay-compaction";
import type { OverlayCompactorOptions } from "./overlay-compaction";
import type { ServedZoneSet } from "./served-zones";
import { openZoneStore } from "./store";
import type { ZoneStore } from "./store";

/** A running secondary. */
export interface Secondary {
  store: ZoneStore;
  served: ServedZoneSet;
  dns: DnsServer;
  /** The DNS worker processes answering instead of this one (`[dns] workers` > 1), else undefined. */
  dnsWorkers: DnsWorkerPool | undefined;
  /** Zone events delivered and not yet applied (0 before NATS is joined). */
  syncBacklog(): number;
  stop(): Promise<void>;
}

/**
 * Loads every stored zone into `served`; a stored zone that no longer verifies or parses is skipped and logged. The
 * SHA-256 of each text that verifies goes to `heldDigests` (the next delta then need not hash the text again).
 */
export function loadStoredZones(
  store: ZoneStore,
  served: ServedZoneSet,
  publicKey: Uint8Array | readonly Uint8Array[],
  logger: Logger,
  heldDigests?: Map<string, HeldDigest>,
): number {
  let loaded = 0;
  const unreadable = (zone: string, err: Error): void => logger.error({ zone, err: err.message }, "stored zone not served: its change log does not apply");
  for (const zone of store.all(unreadable)) {
    try {
      const sha256 = zoneTextDigest(zone.zoneText);
      verifySignedZone(zone, publicKey, sha256);
      heldDigests?.set(zone.zone, { serial: zone.serial, signature: zone.signature, sha256 });
      served.replace(zone.zone, parseSignedZoneRecords(zone));
      loaded++;
    } catch (err) {
      logger.error({ zone: zone.zone, err: (err as Error).message }, "stored zone not served: it does not verify or parse");
    }
  }
  return loaded;
}

/** Callbacks of {@link startSecondary} (metrics). */
export type SecondaryHooks = Pick<ApplyDeps, "onDeltaFallback" | "onPrepared"> & {
  /** Counts background compactions of zones served with an overlay of changes. */
  onCompaction?: OverlayCompactorOptions["onCompaction"];
  onZoneData?: (transfer: ZoneDataTransfer, bytes: number) => void;
  /** Counts zone-data replies that did not verify, by code (each is also logged, rate-limited). */
  onUnverifiedReply?: (code: string) => void;
  /** Receives the DNS workers' query tally deltas (they answer instead of `onQuery`). */
  onWorkerQueries?: (delta: unknown, cookies?: unknown) => void;
  /** Receives the main process's DNS cookie outcome counts (when it answers DNS and cookies are on). */
  onDnsCookies?: (counts: Readonly<{ clientOnly: number; valid: number; invalid: number }>) => void;
  /** Counts TCP connections refused, evicted or cut by the main process's DNS server (not the workers'). */
  onTcpRefused?: DnsServerOptions["onTcpRefused"];
};

/** The local side of a secondary, which answers DNS without NATS: what its NATS side works on. */
interface LocalSide {
  store: ZoneStore;
  served: ServedZoneSet;
  heldDigests: Map<string, HeldDigest>;
  compileThread: ReturnType<typeof startZoneCompileThread>;
  overlay: ReturnType<typeof createOverlayCompactor> | undefined;
  /** `host:port` the DNS server answers on (announced in heartbeats). */
  dnsAddress: string;
}

/** The NATS side of a running secondary, filled in as it joins. */
interface NatsSide {
  nc?: NatsConnection;
  consumer?: EventConsumer;
  stopHeartbeat?: () => void;
  stopZoneState?: () => void;
  stopping: boolean;
}

/** The apply path's dependencies: fetches over `nc`, stores and serves through `local`. */
function applyDeps(cfg: SecondarySyncerConfig, nc: NatsConnection, publicKey: Uint8Array | readonly Uint8Array[], local: LocalSide, logger: Logger, hooks?: SecondaryHooks): ApplyDeps {
  return {
    fetchZone: natsZoneFetcher(nc, new ZoneRequestTimeouts(cfg.sync.request_timeout_ms, MAX_REQUEST_TIMEOUT_MS), hooks?.onZoneData),
    store: local.store,
    served: local.served,
    publicKey,
    requester: cfg.secondary.id,
    maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    incremental: cfg.sync.incremental,
    onDeltaFallback: hooks?.onDeltaFallback,
    onUnverifiedReply: unverifiedReplyAlert(logger, hooks?.onUnverifiedReply),
    offThread: { minBytes: cfg.sync.compile_thread_min_bytes, compile: local.compileThread.compile },
    heldDigests: local.heldDigests,
    overlay: local.overlay,
    // The store's change log is compacted at the overlay's bound too (docs/scale.md).
    storeLogMaxChanges: cfg.sync.overlay_max_changes > 0 ? cfg.sync.overlay_max_changes : undefined,
    onPrepared: hooks?.onPrepared,
    logger,
  };
}

/** Joins NATS: the event consumer, the zone-state responder and the heartbeat, recorded in `side` as they start. */
async function joinNats(
  cfg: SecondarySyncerConfig,
  publicKey: Uint8Array | readonly Uint8Array[],
  softwareVersion: string,
  local: LocalSide,
  side: NatsSide,
  logger: Logger,
  onOutcome?: (o: ConsumerOutcome, durationMs?: number) => void,
  hooks?: SecondaryHooks,
): Promise<void> {
  const nc = await connectNats(cfg.nats, `pdns-distribute-secondary-syncer ${cfg.secondary.id}`, logger);
  side.nc = nc;
  if (side.stopping) return;
  const consumer = startEventConsumer({
    nc,
    nats: cfg.nats,
    secondaryId: cfg.secondary.id,
    ackWaitMs: ACK_WAIT_MS,
    maxRetryDelayMs: cfg.sync.max_retry_delay_ms,
    parallelTransfers: cfg.sync.parallel_transfers,
    coalesceMaxWindowMs: cfg.sync.coalesce_max_window_ms,
    deps: applyDeps(cfg, nc, publicKey, local, logger, hooks),
    logger,
    onOutcome: (o, ms) => {
      publishApplied(nc, cfg.secondary.id, o);
      onOutcome?.(o, ms);
    },
  });
  side.consumer = consumer;
  const zoneState = createZoneStateTracker(local.served.zoneSet);
  const isPending = (zone: string) => consumer.hasPending(zone);
  side.stopZoneState = startZoneStateResponder(nc, cfg.secondary.id, zoneState, logger, isPending, heldContentOf(local.store, local.heldDigests));
  const heartbeat = {
    id: cfg.secondary.id,
    name: cfg.secondary.name || cfg.secondary.id,
    dnsAddress: local.dnsAddress,
    softwareVersion,
    zoneCount: () => local.served.count(),
    digest: () => zoneState.digest(),
  };
  side.stopHeartbeat = startHeartbeat(nc, heartbeat, cfg.secondary.heartbeat_interval_s * 1000);
}

/** Starts a secondary: serves stored zones at once, then joins NATS in the background. */
export async function startSecondary(
  cfg: SecondarySyncerConfig,
  publicKey: Uint8Array | readonly Uint8Array[],
  softwareVersion: string,
  logger: Logger,
  onOutcome?: (o: ConsumerOutcome, durationMs?: number) => void,
  onQuery?: DnsServerOptions["onQuery"],
  hooks?: SecondaryHooks,
): Promise<Secondary> {
  const store = openZoneStore(cfg.storage.database);
  // With DNS workers, each zone change is passed on to them once the store holds it (apply.ts swaps the zone in
  // here first, and tells the workers after its store transaction).
  let workers: DnsWorkerPool | undefined;
  const served = createServedZones((zone, removed, changes) => (removed ? workers?.zoneRemoved(zone) : workers?.zoneChanged(zone, changes)));
  const started = Date.now();
  const heldDigests = new Map<string, HeldDigest>();
  const loaded = loadStoredZones(store, served, publicKey, logger, heldDigests);
  logger.info({ zones: loaded, ms: Date.now() - started }, "stored zones loaded");
  if (cfg.dns.workers > 1) workers = await startDnsWorkers(cfg, publicKey, logger, hooks?.onWorkerQueries);
  const dns: DnsServer = workers ?? (await startDnsServer(dnsServerOptions(cfg, cfg.dns.listen_port, served.zoneSet, logger, onQuery, hooks?.onTcpRefused)));
  if (dns.cookieCounts !== undefined) hooks?.onDnsCookies?.(dns.cookieCounts);
  const dnsAddr = dns.address();
  logger.info({ address: dnsAddr.address, port: dnsAddr.port }, "answering DNS");

  // Large zones are compiled on a worker thread (started on first use, ended when idle).
  const compileThread = startZoneCompileThread({ logger });
  // Deltas of unsigned zones are served as overlays of changed RRsets, compiled whole again past a bound.
  const compileText = async (zone: string, zoneText: string) =>
    zoneText.length >= cfg.sync.compile_thread_min_bytes ? (await compileThread.compile(zone, zoneText)).compiled : compileZone(zone, parseSignedZoneRecords({ zone, zoneText }));
  const overlay =
    cfg.sync.overlay_max_changes > 0
      ? createOverlayCompactor({ maxChanges: cfg.sync.overlay_max_changes, zoneSet: served.zoneSet, compile: compileText, logger, onCompaction: hooks?.onCompaction })
      : undefined;

  const local: LocalSide = { store, served, heldDigests, compileThread, overlay, dnsAddress: `${dnsAddr.address}:${dnsAddr.port}` };
  const side: NatsSide = { stopping: false };
  const joining = joinNats(cfg, publicKey, softwareVersion, local, side, logger, onOutcome, hooks).catch((err: unknown) =>
    logger.error({ err: (err as Error).message }, "could not join NATS"),
  );
  return {
    store,
    served,
    dns,
    dnsWorkers: workers,
    syncBacklog: () => side.consumer?.backlog() ?? 0,
    async stop() {
      side.stopping = true;
      side.stopHeartbeat?.();
      side.stopZoneState?.();
      await side.consumer?.stop();
      if (side.nc) await side.nc.drain().catch(() => undefined);
      else void joining;
      await compileThread.close();
      await dns.close();
      store.close();
    },
  };
}
