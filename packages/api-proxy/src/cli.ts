#!/usr/bin/env node
// pdns-distribute-api-proxy: forwards the PowerDNS API and publishes zone events to NATS.
import { connectNats, createLogger, daemonProgram, ensureZoneEventStream, runDaemon } from "@pdns-distribute/core";
import { loadApiProxyConfig } from "./config";
import { startApiProxy } from "./proxy";
import { jetStreamPublisher } from "./publisher";

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
    const nc = await connectNats(cfg.nats, "pdns-distribute-api-proxy", logger);
    await ensureZoneEventStream(nc, cfg.nats);
    const proxy = await startApiProxy(
      {
        listenAddress: cfg.proxy.listen_address,
        listenPort: cfg.proxy.listen_port,
        upstreamUrl: cfg.powerdns.api_url,
        upstreamTimeoutMs: cfg.powerdns.timeout_ms,
        maxBodyBytes: cfg.proxy.max_body_bytes,
      },
      jetStreamPublisher(nc, cfg.events.publish_timeout_ms),
      logger,
    );
    const addr = proxy.address();
    logger.info({ address: addr.address, port: addr.port, upstream: cfg.powerdns.api_url }, "api-proxy listening");
    return {
      logger,
      stop: async () => {
        await proxy.close();
        await nc.drain();
      },
    };
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`pdns-distribute-api-proxy: ${(err as Error).message}\n`);
  process.exit(1);
});
