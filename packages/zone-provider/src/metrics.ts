// Prometheus metrics of the zone-provider: zone-data and zone-digest requests by result, their duration, reads.
import { Counter, Histogram, createMetricsRegistry } from "@pdns-distribute/core";
import type { Registry } from "@pdns-distribute/core";
import type { ZoneTransferKind } from "./wire-reply";

/** Default port of the zone-provider's /metrics endpoint. */
export const ZONE_PROVIDER_METRICS_PORT = 9202;

/** Result of one zone-data request: served, zone unknown to the primary, bad request, AXFR or signing failed. */
export type ZoneDataResult = "ok" | "not_found" | "invalid" | "failed";

/** The zone-provider's metrics and the hook that feeds them. */
export interface ZoneProviderMetrics {
  readonly registry: Registry;
  /** Counts one answered zone-data request and observes its duration (and, when served, how and its size). */
  observeRequest(result: ZoneDataResult, seconds: number, transfer?: ZoneTransferKind, bytes?: number): void;
  /** Counts one request served by a read started for its events ("ahead") or by a fresh read. */
  observeRead(how: "ahead" | "fresh"): void;
  /** Counts one event that started no read-ahead (the zone's last one was not asked for). */
  observeReadAheadSkipped(): void;
  /** Counts one read of PowerDNS: incremental (the changed RRsets) or full (AXFR), and why full. */
  observePrimaryRead(kind: "incremental" | "full", reason: string): void;
  /** Counts one answered zone-digest request (content audit) by result. */
  observeDigestRequest(result: ZoneDataResult): void;
}

/** Creates the zone-provider's registry (with the Node.js process metrics) and its metrics. */
export function createZoneProviderMetrics(): ZoneProviderMetrics {
  const registry = createMetricsRegistry("zone-provider");
  const requests = new Counter({
    name: "pdnsd_zone_data_requests_total",
    help: "Zone-data requests answered, by result (ok, not_found, invalid, failed)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "pdnsd_zone_data_request_duration_seconds",
    help: "Time to answer a zone-data request (AXFR from PowerDNS, render, sign), seconds",
    labelNames: ["result"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const replies = new Counter({
    name: "pdnsd_zone_data_replies_total",
    help: "Zone data served, by how the reply carried the zone (inline, ref: object store, delta: incremental)",
    labelNames: ["transfer"] as const,
    registers: [registry],
  });
  const replyBytes = new Counter({
    name: "pdnsd_zone_data_reply_bytes_total",
    help: "Bytes of zone-data replies sent (the NATS payload; a referenced text is read from the object store), by transfer",
    labelNames: ["transfer"] as const,
    registers: [registry],
  });
  const reads = new Counter({
    name: "pdnsd_zone_data_reads_total",
    help: "Zone-data requests by the read of PowerDNS that served them: ahead (started when the zone event went by), fresh (started after the request)",
    labelNames: ["read"] as const,
    registers: [registry],
  });
  const skipped = new Counter({
    name: "pdnsd_zone_read_ahead_skipped_total",
    help: "Zone events that started no read-ahead because the zone's previous read-ahead was not asked for yet (secondaries busy or down)",
    registers: [registry],
  });
  const primaryReads = new Counter({
    name: "pdnsd_zone_primary_reads_total",
    help: "Reads of a zone from PowerDNS: incremental (only the RRsets the zone events named, patched into the last read) or full (AXFR), with why a read was full",
    labelNames: ["kind", "reason"] as const,
    registers: [registry],
  });
  const digests = new Counter({
    name: "pdnsd_zone_digest_requests_total",
    help: "Zone-digest requests of the health-checker's content audit answered (each a full AXFR), by result (ok, not_found, invalid, failed)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  return {
    registry,
    observeDigestRequest(result) {
      digests.inc({ result });
    },
    observePrimaryRead(kind, reason) {
      primaryReads.inc({ kind, reason });
    },
    observeRead(how) {
      reads.inc({ read: how });
    },
    observeReadAheadSkipped() {
      skipped.inc();
    },
    observeRequest(result, seconds, transfer, bytes) {
      requests.inc({ result });
      duration.observe({ result }, seconds);
      if (transfer) {
        replies.inc({ transfer });
        replyBytes.inc({ transfer }, bytes ?? 0);
      }
    },
  };
}
