#!/usr/bin/env node
// pdns-distribute-health-checker: finds outdated or broken secondaries and repairs them; `status` asks the running one.
import { connectNats, createLogger, daemonProgram, runDaemon } from "@pdns-distribute/core";
import type { NatsConnection } from "@pdns-distribute/core";
import { startHealthChecker } from "./checker";
import { loadHealthCheckerConfig } from "./config";
import { formatStatusTable, requestHealthStatus } from "./status";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };
const NAME = "pdns-distribute-health-checker";

const program = daemonProgram(
  NAME,
  version,
  "Tracks secondaries' heartbeats, compares their zones with the primary's and publishes targeted resyncs.",
).action(async (opts: { config?: string }) => {
  await runDaemon(NAME, async () => {
    const cfg = loadHealthCheckerConfig(opts.config);
    const logger = createLogger("health-checker", cfg.log.level);
    const checker = await startHealthChecker(cfg, logger, NAME);
    logger.info("health-checker ready");
    return { logger, stop: () => checker.stop() };
  });
});

program
  .command("status")
  .description("asks the running health-checker (over NATS, pdns.health.status) and prints each secondary's state")
  .option("-c, --config <file>", "TOML config file (its [nats] section is used)")
  .option("--json", "print the JSON report instead of a table")
  .option("--timeout <ms>", "time to wait for NATS and the answer", "5000")
  .action(async (opts: { config?: string; json?: boolean; timeout: string }) => {
    const cfg = loadHealthCheckerConfig(opts.config ?? program.opts<{ config?: string }>().config);
    const timeoutMs = Number(opts.timeout) || 5000;
    const logger = createLogger("health-checker-status", "silent");
    const timer = setTimeout(() => {
      process.stderr.write(`${NAME} status: NATS not reachable within ${timeoutMs} ms [PDNSD_STATUS_UNAVAILABLE]\n`);
      process.exit(1);
    }, timeoutMs);
    const nc: NatsConnection = await connectNats(cfg.nats, `${NAME} status`, logger);
    clearTimeout(timer);
    try {
      const status = await requestHealthStatus(nc, timeoutMs);
      process.stdout.write(opts.json ? JSON.stringify(status, null, 2) + "\n" : formatStatusTable(status));
    } finally {
      await nc.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  process.stderr.write(`${NAME}: ${(err as Error).message}${code ? ` [${code}]` : ""}\n`);
  process.exit(1);
});
