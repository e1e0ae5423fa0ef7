// Prometheus metrics of the secondary: event consumer counters (fed by onOutcome), DNS queries, apply time.
import { Counter, Gauge, Histogram, createMetricsRegistry } from "@pdns-distribute/core";
import type { Registry } from "@pdns-distribute/core";
import type { ConsumerOutcome } from "./consumer";
import type { ZoneDataTransfer } from "./apply";

/** Counters of zone events handled by this secondary. */
export interface SyncMetrics {
  /** Pass as the consumer's / startSecondary's `onOutcome`. */
  onOutcome(outcome: ConsumerOutcome): void;
}

/**
 * Registers on `registry`:
 * - `pdnsd_zone_events_total{result}`: events by outcome (applied, unchanged, stale, deleted, not-found, retry, rejected)
 * - `pdnsd_zone_events_rejected_total{code}`: rejected events by PDNSD_ code (bad signature, unparsable zone, malformed …)
 * - `pdnsd_zone_transfers_total{result}`: zone applies after coalescing (one per transfer, not per event)
 */
export function createSyncMetrics(registry: Registry): SyncMetrics {
  const events = new Counter({
    name: "pdnsd_zone_events_total",
    help: "Zone events handled, by outcome",
    labelNames: ["result"],
    registers: [registry],
  });
  const rejected = new Counter({
    name: "pdnsd_zone_events_rejected_total",
    help: "Zone events rejected (never applied), by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  const transfers = new Counter({
    name: "pdnsd_zone_transfers_total",
    help: "Coalesced zone applies (one per transfer), by outcome",
    labelNames: ["result"],
    registers: [registry],
  });
  return {
    onOutcome(outcome) {
      const n = outcome.events ?? 1;
      events.inc({ result: outcome.result }, n);
      transfers.inc({ result: outcome.result });
      if (outcome.result === "rejected") rejected.inc({ code: outcome.code }, n);
    },
  };
}

/** Label values of `pdnsd_dns_cookies_total`, in the order of a worker's `cookies` delta. */
const COOKIE_OUTCOMES = ["client_only", "valid", "invalid"] as const;

/** Default port of the secondary-syncer's /metrics endpoint. */
export const SECONDARY_METRICS_PORT = 9204;

/** DNS and apply-time metrics of the secondary (issue 7), next to the consumer counters above. */
export interface SecondaryMetrics extends SyncMetrics {
  /** Counts one DNS query from its wire form and the response sent (null: dropped). Pass as `onQuery`. */
  onQuery(query: Buffer, response: Buffer | null, transport: "udp" | "tcp"): void;
  /** Like {@link SyncMetrics.onOutcome}; also observes the apply time when given. */
  onOutcome(outcome: ConsumerOutcome, durationMs?: number): void;
  /** Reports the number of zones served, read at each scrape. */
  zonesServed(count: () => number): void;
  /** Reports the zone events not yet applied (`pdnsd_sync_backlog_events`), read at each scrape. */
  syncBacklog(count: () => number): void;
  /** Counts one zone-data reply received: how it carried the zone and its bytes. Pass to natsZoneFetcher. */
  onZoneData(transfer: ZoneDataTransfer, bytes: number): void;
  /** Counts a delta that could not be used (the full zone was asked for instead). */
  onDeltaFallback(reason: "unusable" | "unverified"): void;
  /** Counts a zone version made ready to serve: as an overlay of changed RRsets, or compiled whole. */
  onPrepared(how: "overlay" | "whole"): void;
  /** Counts a background compaction of a zone served with an overlay: swapped in, or dropped. */
  onCompaction(result: "swapped" | "dropped"): void;
  /** Counts a DNS TCP connection refused, evicted or cut at the message deadline. Pass as `onTcpRefused`. */
  onTcpRefused(reason: string): void;
  /** Counts a zone-data reply that did not verify (forged, replayed, untrusted key, unsigned "not found"), by code. */
  onUnverifiedReply(code: string): void;
  /**
   * Adds a DNS worker's query tally delta (its `query-tally` message) to `pdnsd_dns_queries_total`, and its DNS
   * cookie outcomes (`[client-only, valid, invalid]`, checked) to `pdnsd_dns_cookies_total`.
   */
  onWorkerQueries(delta: unknown, cookies?: unknown): void;
  /** Reports the main process's DNS cookie outcome counts (`pdnsd_dns_cookies_total`), read at each scrape. */
  dnsCookies(counts: Readonly<{ clientOnly: number; valid: number; invalid: number }>): void;
  /** Reports the DNS workers (`pdnsd_dns_workers`) and has them flush their query tallies before each scrape. */
  dnsWorkers(source: DnsWorkerSource): void;
}

// Query types kept as label values; any other type is counted as "other" (bounded label cardinality).
const QTYPES: Record<number, string> = {
  1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA", 33: "SRV", 35: "NAPTR",
  43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 64: "SVCB",
  65: "HTTPS", 251: "IXFR", 252: "AXFR", 255: "ANY", 257: "CAA",
};
// RFC 1035 §4.1.1 and RFC 6895 §2.3 response codes (header RCODE, 4 bits).
const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];

/** QTYPE number of the first question of a DNS message (RFC 1035 §4.1.2), or -1 when it cannot be read. */
function queryTypeNumber(msg: Buffer): number {
  if (msg.length < 12 || msg.readUInt16BE(4) === 0) return -1;
  let offset = 12;
  for (;;) {
    if (offset >= msg.length) return -1;
    const len = msg[offset];
    if (len === 0) break;
    if ((len & 0xc0) !== 0) return -1; // no compression in a question name
    offset += len + 1;
  }
  if (offset + 3 > msg.length) return -1;
  return msg.readUInt16BE(offset + 1);
}

/** QTYPE of the first question of a DNS message (RFC 1035 §4.1.2), or undefined when it cannot be read. */
export function queryType(msg: Buffer): string | undefined {
  const n = queryTypeNumber(msg);
  return n < 0 ? undefined : (QTYPES[n] ?? "other");
}

/** RCODE mnemonic of a response, "dropped" when none was sent. */
export function responseCode(response: Buffer | null): string {
  if (response === null || response.length < 4) return "dropped";
  return RCODES[response[3] & 0x0f] ?? "other";
}

// The DNS query counter's label space, numbered once: qtype slots (the known types, "other", "invalid") ×
// rcode slots (RCODES, "other", "dropped") × transport. Queries are tallied in a typed array on the answer
// path (an index and an increment, no label hashing) and handed to prom-client when Prometheus scrapes; a DNS
// worker sends its non-zero slots to the primary as a delta instead (dns-worker.ts).
const QTYPE_LABELS = [...Object.values(QTYPES), "other", "invalid"];
const QTYPE_SLOT = new Map(Object.keys(QTYPES).map((k, i) => [Number(k), i]));
const RCODE_LABELS = [...RCODES, "other", "dropped"];
const TRANSPORTS = ["udp", "tcp"] as const;

/** Number of slots of a query tally: qtype slots × rcode slots × 2 transports (the label space, bounded). */
export const QUERY_TALLY_SLOTS = QTYPE_LABELS.length * RCODE_LABELS.length * TRANSPORTS.length;

/** Labels of `pdnsd_dns_queries_total` for one query. */
export interface QueryLabels {
  qtype: string;
  rcode: string;
  transport: string;
}

/** Tally slot of one query: its QTYPE (RFC 1035 §4.1.2), the response's RCODE (or dropped) and the transport. */
export function querySlot(query: Buffer, response: Buffer | null, transport: "udp" | "tcp"): number {
  const n = queryTypeNumber(query);
  const q = n < 0 ? QTYPE_LABELS.length - 1 : (QTYPE_SLOT.get(n) ?? QTYPE_LABELS.length - 2);
  const r = response === null || response.length < 4 ? RCODE_LABELS.length - 1 : Math.min(response[3] & 0x0f, RCODES.length);
  return (q * RCODE_LABELS.length + r) * 2 + (transport === "udp" ? 0 : 1);
}

/** Labels of a tally slot (the inverse of {@link querySlot}). */
export function querySlotLabels(slot: number): QueryLabels {
  const t = slot % 2;
  const r = Math.floor(slot / 2) % RCODE_LABELS.length;
  const q = Math.floor(slot / 2 / RCODE_LABELS.length);
  return { qtype: QTYPE_LABELS[q], rcode: RCODE_LABELS[r], transport: TRANSPORTS[t] };
}

/**
 * The non-zero slots of `tally` as `[slot, count, slot, count, …]`, zeroing them: what a DNS worker sends the
 * primary. At most {@link QUERY_TALLY_SLOTS} pairs, so a message stays small (a few KiB of JSON at worst).
 */
export function takeQueryTallyDelta(tally: Float64Array): number[] {
  const delta: number[] = [];
  for (let slot = 0; slot < tally.length; slot++) {
    const n = tally[slot];
    if (n === 0) continue;
    delta.push(slot, n);
    tally[slot] = 0;
  }
  return delta;
}

/**
 * Adds a delta of {@link takeQueryTallyDelta} (from another process, so checked) to `tally`. Pairs whose slot is
 * not a tally slot or whose count is not a positive finite number are skipped; returns how many were.
 */
export function mergeQueryTallyDelta(tally: Float64Array, delta: unknown): number {
  if (!Array.isArray(delta)) return 1;
  let skipped = delta.length % 2;
  for (let i = 0; i + 1 < delta.length; i += 2) {
    const slot: unknown = delta[i];
    const n: unknown = delta[i + 1];
    if (typeof slot !== "number" || !Number.isInteger(slot) || slot < 0 || slot >= tally.length || typeof n !== "number" || !(n > 0) || !Number.isFinite(n)) {
      skipped++;
      continue;
    }
    tally[slot] += n;
  }
  return skipped;
}

/** DNS queries counted on the answer path (an index and an increment, no label hashing), drained at a scrape or flush. */
export interface QueryTally {
  /** Counts one query from its wire form and the response sent (null: dropped). Pass as `onQuery`. */
  onQuery(query: Buffer, response: Buffer | null, transport: "udp" | "tcp"): void;
  /** Unsent counts as a delta ({@link takeQueryTallyDelta}), zeroed here. */
  take(): number[];
  /** Adds another process's delta ({@link mergeQueryTallyDelta}); returns the pairs skipped as malformed. */
  merge(delta: unknown): number;
}

/** A {@link QueryTally} over `counts` (a fresh one by default). */
export function createQueryTally(counts = new Float64Array(QUERY_TALLY_SLOTS)): QueryTally {
  return {
    onQuery(query, response, transport) {
      counts[querySlot(query, response, transport)]++;
    },
    take: () => takeQueryTallyDelta(counts),
    merge: (delta) => mergeQueryTallyDelta(counts, delta),
  };
}

/** What the secondary's metrics need from its DNS worker pool (dns-workers.ts). */
export interface DnsWorkerSource {
  /** Workers running now. */
  running(): number;
  /** Has every worker send its unsent query tally; resolves when all have (or after a timeout). */
  flushQueryTallies(): Promise<void>;
}

/** A counter with one label, registered in `registry`. */
function labelledCounter(registry: Registry, name: string, help: string, label: string): Counter<string> {
  return new Counter({ name, help, labelNames: [label], registers: [registry] });
}

/** A gauge set at each scrape from `read` (left as it was when `read` gives undefined). */
function readingGauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      const v = read();
      if (v !== undefined) this.set(v);
    },
  });
}

/**
 * Creates the secondary's registry (Node.js process metrics, {@link createSyncMetrics}) plus
 * `pdnsd_dns_queries_total{qtype,rcode,transport}` (with the DNS workers' queries), `pdnsd_dns_workers`,
 * `pdnsd_dns_tcp_refused_total{reason}`, `pdnsd_dns_cookies_total{outcome}`,
 * `pdnsd_zone_apply_duration_seconds{result}`, `pdnsd_zones_served`.
 */
export function createSecondaryMetrics(): SecondaryMetrics & { readonly registry: Registry } {
  const registry = createMetricsRegistry("secondary-syncer");
  const sync = createSyncMetrics(registry);
  // The main process's own queries and the deltas DNS workers send (every second and before each scrape).
  const tally = new Float64Array(QUERY_TALLY_SLOTS);
  const queries = createQueryTally(tally);
  let workers: DnsWorkerSource | undefined;
  new Counter({
    name: "pdnsd_dns_queries_total",
    help: "DNS queries answered (by the main process and every DNS worker), by query type, response code and transport",
    labelNames: ["qtype", "rcode", "transport"],
    registers: [registry],
    async collect() {
      if (workers) await workers.flushQueryTallies();
      const delta = takeQueryTallyDelta(tally);
      for (let i = 0; i < delta.length; i += 2) this.inc(querySlotLabels(delta[i]), delta[i + 1]);
    },
  });
  readingGauge(registry, "pdnsd_dns_workers", "DNS worker processes running ([dns] workers > 1; 0: the main process answers DNS)", () => workers?.running() ?? 0);
  const applyTime = new Histogram({
    name: "pdnsd_zone_apply_duration_seconds",
    help: "Time to apply a zone event (fetch, verify, store in SQLite, swap into the answer engine), seconds",
    labelNames: ["result"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  let zoneCount: (() => number) | undefined;
  readingGauge(registry, "pdnsd_zones_served", "Zones this secondary answers for", () => zoneCount?.());
  let backlog: (() => number) | undefined;
  readingGauge(registry, "pdnsd_sync_backlog_events", "Zone events delivered to this secondary and not yet applied (a fresh secondary's catch-up progress)", () => backlog?.());
  const received = labelledCounter(registry, "pdnsd_zone_data_received_total", "Zone-data replies received, by how they carried the zone (inline, ref: object store, delta: incremental)", "transfer");
  const receivedBytes = labelledCounter(registry, "pdnsd_zone_data_received_bytes_total", "Bytes of zone data received (NATS payload plus referenced objects), by transfer", "transfer");
  const tcpRefused = labelledCounter(registry, "pdnsd_dns_tcp_refused_total", "DNS TCP connections turned away (prefix: its /24 or /56 is full; full: every slot busy), evicted to make room, or cut when a message was not whole within its deadline (main process)", "reason");
  // RFC 7873 §5.2: client cookie only, a valid server cookie of ours, or one that did not verify (answered as if
  // client-only). Queries without a COOKIE option are not counted here (pdnsd_dns_queries_total has them all).
  let cookieSource: Readonly<{ clientOnly: number; valid: number; invalid: number }> | undefined;
  const cookiesSeen = [0, 0, 0];
  const cookies = new Counter({
    name: "pdnsd_dns_cookies_total",
    help: "DNS queries with a COOKIE option (RFC 7873), by outcome: client_only, valid (our server cookie), invalid (answered as client_only)",
    labelNames: ["outcome"],
    registers: [registry],
    async collect() {
      if (workers) await workers.flushQueryTallies(); // the same flush as pdnsd_dns_queries_total's
      if (cookieSource === undefined) return;
      const now = [cookieSource.clientOnly, cookieSource.valid, cookieSource.invalid];
      now.forEach((n, i) => {
        if (n > (cookiesSeen[i] ?? 0)) this.inc({ outcome: COOKIE_OUTCOMES[i] }, n - (cookiesSeen[i] ?? 0));
        cookiesSeen[i] = n;
      });
    },
  });
  const deltaFallbacks = labelledCounter(registry, "pdnsd_zone_delta_fallbacks_total", "Deltas not used (unusable: made for another version; unverified: signature check failed), full zone asked for instead", "reason");
  const prepared = labelledCounter(registry, "pdnsd_zone_versions_prepared_total", "Zone versions made ready to serve: overlay (a delta's RRsets applied to the zone served) or whole (compiled whole)", "how");
  const compactions = labelledCounter(registry, "pdnsd_zone_compactions_total", "Zones served with an overlay of changes compiled whole again in the background: swapped in, or dropped (changed meanwhile, or failed)", "result");
  const unverified = labelledCounter(registry, "pdnsd_zone_replies_unverified_total", "Zone-data replies that did not verify (forged, replayed, untrusted key, unsigned not-found), by code; the zone was asked for again", "code");
  return {
    registry,
    onUnverifiedReply(code) {
      unverified.inc({ code });
    },
    onZoneData(transfer, bytes) {
      received.inc({ transfer });
      receivedBytes.inc({ transfer }, bytes);
    },
    onDeltaFallback(reason) {
      deltaFallbacks.inc({ reason });
    },
    onPrepared(how) {
      prepared.inc({ how });
    },
    onCompaction(result) {
      compactions.inc({ result });
    },
    onQuery: queries.onQuery,
    onTcpRefused(reason) {
      tcpRefused.inc({ reason });
    },
    onWorkerQueries(delta, cookieDelta) {
      queries.merge(delta);
      if (!Array.isArray(cookieDelta) || cookieDelta.length !== COOKIE_OUTCOMES.length) return;
      cookieDelta.forEach((n: unknown, i) => {
        if (typeof n === "number" && n > 0 && Number.isFinite(n)) cookies.inc({ outcome: COOKIE_OUTCOMES[i] }, n);
      });
    },
    dnsCookies(counts) {
      cookieSource = counts;
    },
    dnsWorkers(source) {
      workers = source;
    },
    onOutcome(outcome, durationMs) {
      sync.onOutcome(outcome);
      if (durationMs !== undefined) applyTime.observe({ result: outcome.result }, durationMs / 1000);
    },
    zonesServed(count) {
      zoneCount = count;
    },
    syncBacklog(count) {
      backlog = count;
    },
  };
}
