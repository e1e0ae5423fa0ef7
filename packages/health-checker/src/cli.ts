#!/usr/bin/env node
// pdns-distribute-health-checker: tracks secondaries' heartbeats (active / inactive).
import { connectNats, createLogger, daemonProgram, runDaemon } from "@pdns-distribute/core";
import { loadHealthCheckerConfig } from "./config";
import { startHeartbeatMonitor } from "./monitor";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };
const NAME = "pdns-distribute-health-checker";

const program = daemonProgram(NAME, version, "Tracks secondaries' heartbeats and reports which are active.").action(
  async (opts: { config?: string }) => {
    await runDaemon(NAME, async () => {
      const cfg = loadHealthCheckerConfig(opts.config);
      const logger = createLogger("health-checker", cfg.log.level);
      const nc = await connectNats(cfg.nats, NAME, logger);
      const monitor = startHeartbeatMonitor(nc, {
        inactiveAfterMs: cfg.health.inactive_after_s * 1000,
        checkIntervalMs: cfg.health.check_interval_s * 1000,
        logger,
      });
      logger.info("health-checker ready");
      return {
        logger,
        stop: async () => {
          await monitor.stop();
          await nc.drain();
        },
      };
    });
  },
);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${NAME}: ${(err as Error).message}\n`);
  process.exit(1);
});
