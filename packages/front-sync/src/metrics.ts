// The front-sync's Prometheus metrics.
import { Counter, Gauge, Histogram, createMetricsRegistry } from "@pdns-distribute/core";

/** Creates the registry and the front-sync's metrics. */
export function frontMetrics(daemon: string) {
  const registry = createMetricsRegistry(daemon);
  return {
    registry,
    routed: new Gauge({ name: "pdnsd_front_routed_zones", help: "Zones routed to the secondaries now", registers: [registry] }),
    pushes: new Counter({
      name: "pdnsd_front_pushes_total",
      help: "Pushes of the routed zones, by target (dnsdist, recursor) and result (ok, error)",
      labelNames: ["target", "result"],
      registers: [registry],
    }),
    pushSeconds: new Histogram({
      name: "pdnsd_front_push_seconds",
      help: "Time one push to a target took",
      labelNames: ["target"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    }),
    badMessages: new Counter({ name: "pdnsd_front_bad_messages_total", help: "Applied messages that did not decode", registers: [registry] }),
    listings: new Counter({
      name: "pdnsd_front_listings_total",
      help: "Full zone listings of a secondary, by result",
      labelNames: ["result"],
      registers: [registry],
    }),
  };
}

/** The front-sync's metrics. */
export type FrontMetrics = ReturnType<typeof frontMetrics>;
