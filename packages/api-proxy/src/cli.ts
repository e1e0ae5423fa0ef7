#!/usr/bin/env node
// pdns-distribute-api-proxy: forwards the PowerDNS API and publishes zone events to NATS (through a durable outbox).
import { dirname } from "node:path";
import { connectNatsInBackground, createLogger, daemonProgram, runDaemon, startMetricsServer } from "@pdns-distribute/core";
import type { NatsConnection } from "@pdns-distribute/core";
import { startChangeTracking } from "./changes";
import { CHANGES_KEPT, CHANGES_WAIT, OUTBOX_MAX_RETRY_DELAY_MS, OUTBOX_STORE_AFTER_MS, PUBLISH_TIMEOUT_MS, loadApiProxyConfig } from "./config";
import { createApiProxyMetrics } from "./metrics";
import { createSoaSerialReader } from "./dns-serial";
import { openOutbox } from "./outbox";
import { startApiProxy } from "./proxy";
import type { EventPublisher } from "./announce";
import { jetStreamPublisher } from "./publisher";
import { startOutboxRelay } from "./relay";
import { resolveProxyTls } from "./tls";
import { createWriteGate } from "./write-gate";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };

const program = daemonProgram(
  "pdns-distribute-api-proxy",
  version,
  "Proxy for the PowerDNS HTTP API that publishes zone.add / zone.modified / zone.delete events to NATS JetStream.",
).action(async (opts: { config?: string }) => {
  await runDaemon("pdns-distribute-api-proxy", async () => {
    const cfg = loadApiProxyConfig(opts.config);
    const logger = createLogger("api-proxy", cfg.log.level);
    const outbox = openOutbox(cfg.outbox.database);
    const metrics = createApiProxyMetrics();
    // Serve at once; NATS may come later. Events wait in the outbox meanwhile.
    const nats = connectNatsInBackground(cfg.nats, "pdns-distribute-api-proxy", logger);
    let publisher: EventPublisher | undefined;
    const relay = startOutboxRelay({
      outbox,
      publisher: () => publisher,
      logger,
      ackGraceMs: OUTBOX_STORE_AFTER_MS,
      retryMinMs: 250,
      retryMaxMs: OUTBOX_MAX_RETRY_DELAY_MS,
    });
    const changes = startChangeTracking({
      upstreamUrl: cfg.powerdns.api_url,
      upstreamTimeoutMs: cfg.powerdns.timeout_ms,
      ...CHANGES_KEPT,
      ...CHANGES_WAIT,
      dnsSerial: cfg.powerdns.dns_address === "" ? undefined : createSoaSerialReader(cfg.powerdns.dns_address, cfg.powerdns.dns_port, 1000),
      logger,
    });
    void nats.ready.then((nc: NatsConnection) => {
      changes.attach(nc);
      publisher = metrics.countPublishes(jetStreamPublisher(nc, PUBLISH_TIMEOUT_MS, cfg.nats));
      relay.kick();
      void (async () => {
        for await (const s of nc.status()) if (s.type === "reconnect") relay.kick();
      })().catch(() => undefined);
    });
    const writeGate = createWriteGate({ limit: cfg.powerdns.max_concurrent_writes, maxQueued: cfg.powerdns.max_queued_writes });
    metrics.watchWriteGate(writeGate);
    const proxy = await startApiProxy(
      {
        listenAddress: cfg.proxy.listen_address,
        listenPort: cfg.proxy.listen_port,
        upstreamUrl: cfg.powerdns.api_url,
        upstreamTimeoutMs: cfg.powerdns.timeout_ms,
        maxBodyBytes: cfg.proxy.max_body_bytes,
        forwardAllPaths: cfg.proxy.forward_all_paths,
        checkCredentials: true,
        onRefused: metrics.requestRefused,
        tls: (await resolveProxyTls(cfg.proxy, dirname(cfg.outbox.database), logger)) ?? undefined,
        onResponse: metrics.observeRequest,
        changes,
        writeGate,
        onWriteRefused: metrics.writeRefused,
        maxCombinedPatches: cfg.powerdns.max_concurrent_writes > 0 ? cfg.powerdns.max_combined_patches : 1,
        onCombined: metrics.patchesCombined,
      },
      relay,
      logger,
    );
    const metricsServer = await startMetricsServer(cfg.metrics, metrics.registry, logger);
    const addr = proxy.address();
    logger.info(
      { address: addr.address, port: addr.port, https: proxy.https, upstream: cfg.powerdns.api_url, outboxPending: relay.pending() },
      "api-proxy listening",
    );
    return {
      logger,
      stop: async () => {
        await changes.stop(); // answers waiting GET /changes/{id}?wait= requests first
        await proxy.close();
        await metricsServer?.close();
        await relay.stop();
        outbox.close();
        const nc = nats.current();
        if (nc) await nc.drain().catch(() => undefined);
      },
    };
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`pdns-distribute-api-proxy: ${(err as Error).message}\n`);
  process.exit(1);
});
