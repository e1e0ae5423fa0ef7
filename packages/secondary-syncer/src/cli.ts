#!/usr/bin/env node
// pdns-distribute-secondary-syncer: keeps signed zones in SQLite in sync over NATS and answers DNS for them.
import { createLogger, daemonProgram, runDaemon } from "@pdns-distribute/core";
import { loadSecondarySyncerConfig, publicKeyOf } from "./config";
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
    const publicKey = publicKeyOf(cfg);
    const logger = createLogger("secondary-syncer", cfg.log.level).child({ secondary: cfg.secondary.id });
    const secondary = await startSecondary(cfg, publicKey, version, logger);
    return { logger, stop: () => secondary.stop() };
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${NAME}: ${(err as Error).message}\n`);
  process.exit(1);
});
