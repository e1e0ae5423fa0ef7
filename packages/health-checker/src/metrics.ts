// Prometheus metrics of the health-checker (all prefixed pdnsd_health_).
import { Counter, Gauge, Histogram } from "@pdns-distribute/core";
import type { Registry } from "@pdns-distribute/core";

/** The health-checker's metrics. */
export interface HealthMetrics {
  leader: Gauge;
  secondaryActive: Gauge;
  secondaryZones: Gauge;
  primaryZones: Gauge;
  primarySignedZones: Gauge;
  resyncs: Counter;
  checks: Counter;
  checkDuration: Histogram;
  digestComparisons: Counter;
  contentAudits: Counter;
  stateBytes: Counter;
  eventChecksPending: Gauge;
  dnssecResyncs: Counter;
  dnssecPrimaryExpiring: Gauge;
  dnssecDeferred: Gauge;
  nsec3Conversions: Counter;
}

/** Registers the metrics on `registry`. */
export function createHealthMetrics(registry: Registry): HealthMetrics {
  const registers = [registry];
  return {
    leader: new Gauge({ name: "pdnsd_health_leader", help: "1 when this checker holds the lock and acts, 0 on stand-by", registers }),
    secondaryActive: new Gauge({
      name: "pdnsd_health_secondary_active",
      help: "1 when the secondary's heartbeats are recent",
      labelNames: ["secondary"],
      registers,
    }),
    secondaryZones: new Gauge({
      name: "pdnsd_health_secondary_zones",
      help: "Zones of a secondary by result of the last comparison with the primary",
      labelNames: ["secondary", "state"],
      registers,
    }),
    primaryZones: new Gauge({ name: "pdnsd_health_primary_zones", help: "Zones on the primary at the last check", registers }),
    primarySignedZones: new Gauge({ name: "pdnsd_health_primary_signed_zones", help: "DNSSEC-signed zones on the primary", registers }),
    resyncs: new Counter({
      name: "pdnsd_health_resyncs_total",
      help: "Resync events published, by secondary (\"*\": all), event type and the check that found the need",
      labelNames: ["secondary", "type", "check"],
      registers,
    }),
    checks: new Counter({ name: "pdnsd_health_checks_total", help: "Checks run, by kind and result", labelNames: ["check", "result"], registers }),
    checkDuration: new Histogram({
      name: "pdnsd_health_check_duration_seconds",
      help: "Duration of checks by kind",
      labelNames: ["check"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    digestComparisons: new Counter({
      name: "pdnsd_health_digest_comparisons_total",
      help: "Periodic-check digest comparisons: match (no full fetch), mismatch or absent (full fetch)",
      labelNames: ["result"],
      registers,
    }),
    contentAudits: new Counter({
      name: "pdnsd_health_content_audits_total",
      help: "Content audits of one zone on one secondary: match, mismatch (full resync published), unknown (secondary does not report its content), skipped (serials differ, not served, still applying), error",
      labelNames: ["result"],
      registers,
    }),
    stateBytes: new Counter({
      name: "pdnsd_health_state_bytes_total",
      help: "NATS payload bytes of zone-state requests (sent) and replies (received)",
      labelNames: ["direction"],
      registers,
    }),
    eventChecksPending: new Gauge({ name: "pdnsd_health_event_checks_pending", help: "Zone events waiting for their check", registers }),
    dnssecResyncs: new Counter({ name: "pdnsd_health_dnssec_resyncs_total", help: "Signed zones resynced for fresh RRSIGs", registers }),
    dnssecPrimaryExpiring: new Gauge({
      name: "pdnsd_health_dnssec_primary_expiring_zones",
      help: "Signed zones whose SOA RRSIG on the primary expires within 72 hours (resynced at once)",
      registers,
    }),
    dnssecDeferred: new Gauge({ name: "pdnsd_health_dnssec_deferred_zones", help: "Due DNSSEC resyncs left for the next run", registers }),
    nsec3Conversions: new Counter({
      name: "pdnsd_health_nsec3_conversions_total",
      help: "Signed zones switched from NSEC to NSEC3",
      labelNames: ["result"],
      registers,
    }),
  };
}
