// Prometheus metrics: one registry per daemon and a tiny HTTP server for GET /metrics (off when no address).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Logger } from "pino";
import { z } from "zod";

/** `[metrics]` section; an empty `listen_address` turns the endpoint off. */
export function metricsConfigSchema(defaultPort: number) {
  return z
    .object({
      /** Address of the Prometheus endpoint (GET /metrics); empty: no endpoint. */
      listen_address: z.string().default("127.0.0.1"),
      /** Port of the Prometheus endpoint. */
      listen_port: z.number().int().min(0).max(65535).default(defaultPort),
    })
    .strict()
    .prefault({});
}

/** Parsed `[metrics]` section. */
export type MetricsConfig = z.infer<ReturnType<typeof metricsConfigSchema>>;

/** A registry with Node.js process metrics, every metric prefixed `pdnsd_`. */
export function createMetricsRegistry(daemon: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ daemon });
  collectDefaultMetrics({ register: registry, prefix: "pdnsd_" });
  return registry;
}

/** A running metrics endpoint. */
export interface MetricsServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry`; `extra` may add more routes (e.g. a status page), returning
 * true when it handled the request. Returns undefined when `cfg.listen_address` is empty.
 */
export async function startMetricsServer(
  cfg: MetricsConfig,
  registry: Registry,
  logger: Logger,
  extra?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>,
): Promise<MetricsServer | undefined> {
  if (cfg.listen_address === "") return undefined;
  const server = http.createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method === "GET" && path === "/metrics") {
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(await registry.metrics());
        return;
      }
      if (extra && (await extra(req, res))) return;
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    })().catch((err: unknown) => {
      logger.error({ err: (err as Error).message }, "metrics endpoint error");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.listen_port, cfg.listen_address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  logger.info({ address: addr.address, port: addr.port }, "metrics endpoint listening");
  return {
    address: () => server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { Counter, Gauge, Histogram, Registry };
