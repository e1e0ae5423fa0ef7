#!/usr/bin/env node
// pdns-distribute-secondary-syncer: keeps signed zones in SQLite in sync over NATS and answers DNS for them.
import { createLogger, daemonProgram, publicKeyId, runDaemon, startMetricsServer } from "@pdns-distribute/core";
import { loadSecondarySyncerConfig, trustedPublicKeys } from "./config";
import { createSecondaryMetrics } from "./metrics";
import { startSecondary } from "./secondary";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };
const NAME = "pdns-distribute-secondary-syncer";

const program = daemonProgram(
  NAME,
  version,
  "Secondary: consumes zone events, verifies signed zone data, stores it in SQLite and answers DNS (UDP and TCP).",
).action(async (opts: { config?: string }) => {
  await runDaemon(NAME, async () => {
    const cfg = loadSecondarySyncerConfig(opts.config);
    const publicKeys = trustedPublicKeys(cfg);
    const logger = createLogger("secondary-syncer", cfg.log.level).child({ secondary: cfg.secondary.id });
    logger.info({ keys: publicKeys.map(publicKeyId) }, "trusted zone-signing keys");
    const metrics = createSecondaryMetrics();
    const secondary = await startSecondary(cfg, publicKeys, version, logger, metrics.onOutcome, metrics.onQuery, {
      onZoneData: metrics.onZoneData,
      onDeltaFallback: metrics.onDeltaFallback,
      onPrepared: metrics.onPrepared,
      onCompaction: metrics.onCompaction,
      onUnverifiedReply: metrics.onUnverifiedReply,
      onWorkerQueries: metrics.onWorkerQueries,
      onDnsCookies: metrics.dnsCookies,
      onTcpRefused: metrics.onTcpRefused,
    });
    if (secondary.dnsWorkers) metrics.dnsWorkers(secondary.dnsWorkers);
    metrics.zonesServed(() => secondary.served.count());
    metrics.syncBacklog(() => secondary.syncBacklog());
    const metricsServer = await startMetricsServer(cfg.metrics, metrics.registry, logger);
    return {
      logger,
      stop: async () => {
        await secondary.stop();
        await metricsServer?.close();
      },
    };
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${NAME}: ${(err as Error).message}\n`);
  process.exit(1);
});
