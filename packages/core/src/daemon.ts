// Common daemon scaffolding: commander CLI with --config/--version, config errors exit non-zero, signal handling.
import { Command } from "commander";
import type { Logger } from "pino";
import { PdnsdError } from "./errors";
import { LOG_LEVEL_ENV } from "./logger";

/** Builds the base commander program of a daemon. */
export function daemonProgram(name: string, version: string, description: string): Command {
  return new Command(name)
    .description(description)
    .version(version, "-V, --version", "print the version and exit")
    .option("-c, --config <file>", "TOML config file (every key has a default)")
    .option("--debug", `log at level debug, whatever [log] level says (as ${LOG_LEVEL_ENV}=debug does)`)
    .hook("preAction", (program) => {
      if ((program.opts() as { debug?: boolean }).debug) process.env[LOG_LEVEL_ENV] = "debug";
    });
}

/** A running daemon's stop function. */
export type StopFn = () => Promise<void>;

/**
 * Runs `start` and stops it cleanly on SIGTERM/SIGINT within `shutdownTimeoutMs`; a second signal exits at
 * once. A PdnsdError during start-up (e.g. an invalid config) prints `name: message` on stderr and exits 1
 * before anything runs.
 */
export async function runDaemon(
  name: string,
  start: () => Promise<{ stop: StopFn; logger: Logger }>,
  shutdownTimeoutMs = 10_000,
): Promise<void> {
  let running: { stop: StopFn; logger: Logger };
  try {
    running = await start();
  } catch (err) {
    const code = err instanceof PdnsdError ? ` [${err.code}]` : "";
    process.stderr.write(`${name}: ${(err as Error).message}${code}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      // A second signal while draining: the operator does not want to wait.
      running.logger.warn({ signal }, "second signal while shutting down, exiting now");
      process.exit(1);
    }
    stopping = true;
    running.logger.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      running.logger.error({ shutdownTimeoutMs }, "shutdown timed out, exiting");
      process.exit(1);
    }, shutdownTimeoutMs);
    timer.unref();
    running
      .stop()
      .then(() => {
        running.logger.info("stopped");
        process.exit(0);
      })
      .catch((err: unknown) => {
        running.logger.error({ err }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}
