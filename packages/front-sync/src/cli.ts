#!/usr/bin/env node
// pdns-distribute-front-sync: keeps dnsdist's and pdns-recursor's list of distributed zones current.
import { createLogger, daemonProgram, runDaemon } from "@pdns-distribute/core";
import { loadFrontSyncConfig } from "./config";
import { startFrontSync } from "./front-sync";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../package.json") as { version: string };
const NAME = "pdns-distribute-front-sync";

const program = daemonProgram(
  NAME,
  version,
  "Follows the zones the secondaries serve (over NATS) and keeps a dnsdist rule and a pdns-recursor forward-zones file in step.",
).action(async (opts: { config?: string }) => {
  await runDaemon(NAME, async () => {
    const cfg = loadFrontSyncConfig(opts.config);
    const logger = createLogger("front-sync", cfg.log.level);
    const sync = await startFrontSync(cfg, logger, NAME);
    return { logger, stop: () => sync.stop() };
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string }).code;
  process.stderr.write(`${NAME}: ${(err as Error).message}${code ? ` [${code}]` : ""}\n`);
  process.exit(1);
});
