// Prometheus metrics of the api-proxy: API requests by method and status, their latency, published zone events.
import { Counter, Gauge, Histogram, createMetricsRegistry } from "@pdns-distribute/core";
import type { Registry, ZoneEvent } from "@pdns-distribute/core";
import type { EventPublisher } from "./announce";
import type { RefusedReason } from "./proxy";
import type { WriteGate, WriteGateError } from "./write-gate";

/** Default port of the api-proxy's /metrics endpoint. */
export const API_PROXY_METRICS_PORT = 9201;

/** The api-proxy's metrics and the hooks that feed them. */
export interface ApiProxyMetrics {
  readonly registry: Registry;
  /** Counts one answered API request and observes its latency. */
  observeRequest(method: string, status: number, seconds: number): void;
  /** Wraps a publisher so that every JetStream publish is counted by event type and result. */
  countPublishes(publisher: EventPublisher): EventPublisher;
  /** Exposes the write gate's running and waiting writes. */
  watchWriteGate(gate: WriteGate): void;
  /** Counts a write the gate refused (503). */
  writeRefused(reason: WriteGateError["reason"]): void;
  /** Counts a request refused before it was forwarded (body too large, credentials PowerDNS refused). */
  requestRefused(reason: RefusedReason): void;
  /** Counts a PATCH made of `requests` combined requests: taken by PowerDNS, or refused and sent one by one. */
  patchesCombined(requests: number, outcome: "combined" | "split"): void;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** Creates the api-proxy's registry (with the Node.js process metrics) and its metrics. */
export function createApiProxyMetrics(): ApiProxyMetrics {
  const registry = createMetricsRegistry("api-proxy");
  const requests = new Counter({
    name: "pdnsd_api_requests_total",
    help: "PowerDNS API requests answered by the proxy, by method and HTTP status",
    labelNames: ["method", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "pdnsd_api_request_duration_seconds",
    help: "Time from request to answer through the proxy (PowerDNS plus event publishing), seconds",
    labelNames: ["method"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const published = new Counter({
    name: "pdnsd_events_published_total",
    help: "Zone events published to JetStream, by event type and result (ok: acknowledged, error: failed, retried later)",
    labelNames: ["type", "result"] as const,
    registers: [registry],
  });
  const refused = new Counter({
    name: "pdnsd_api_writes_refused_total",
    help: "Write requests answered 503 without forwarding: queue_full (max_queued_writes waiting) or timeout (no turn within timeout_ms)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const refusedEarly = new Counter({
    name: "pdnsd_api_requests_refused_total",
    help: "Requests answered without forwarding them, before reading their body: body_too_large (413, over [proxy] max_body_bytes) or credentials (a write whose key PowerDNS refused, its 401 relayed)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const combinedRequests = new Counter({
    name: "pdnsd_api_patches_combined_total",
    help: "PATCH requests sent to PowerDNS combined with others of their zone, by outcome (combined: taken as one; split: refused as one, then sent one by one)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const combinedPatches = new Counter({
    name: "pdnsd_api_combined_patches_total",
    help: "Combined PATCHes (two or more requests each) sent to PowerDNS, by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  let gate: WriteGate | undefined;
  new Gauge({
    name: "pdnsd_api_writes_in_flight",
    help: "Write requests at PowerDNS now (at most max_concurrent_writes)",
    registers: [registry],
    collect() {
      this.set(gate?.running ?? 0);
    },
  });
  new Gauge({
    name: "pdnsd_api_writes_queued",
    help: "Write requests waiting for their turn at PowerDNS",
    registers: [registry],
    collect() {
      this.set(gate?.queued ?? 0);
    },
  });
  return {
    registry,
    watchWriteGate(g) {
      gate = g;
    },
    writeRefused(reason) {
      refused.inc({ reason });
    },
    requestRefused(reason) {
      refusedEarly.inc({ reason });
    },
    patchesCombined(requests, outcome) {
      combinedRequests.inc({ outcome }, requests);
      combinedPatches.inc({ outcome });
    },
    observeRequest(method, status, seconds) {
      const m = METHODS.has(method) ? method : "other";
      requests.inc({ method: m, status: String(status) });
      latency.observe({ method: m }, seconds);
    },
    countPublishes(publisher) {
      return {
        async publish(event: ZoneEvent) {
          try {
            await publisher.publish(event);
            published.inc({ type: event.type, result: "ok" });
          } catch (err) {
            published.inc({ type: event.type, result: "error" });
            throw err;
          }
        },
      };
    },
  };
}
