// pino logger factory: JSON lines on stdout (journald picks them up), one `daemon` field per process.
import pino from "pino";
import type { Logger } from "pino";

/** Environment variable that overrides the configured level (set to "debug" by the `--debug` flag). */
export const LOG_LEVEL_ENV = "PDNSD_LOG_LEVEL";

/** Log fields that may hold a secret (PowerDNS API key, NATS password or token), at the top or one level down. */
const REDACTED_PATHS = ["api_key", "apiKey", "password", "token", "headers[\"x-api-key\"]"].flatMap((p) => [p, `*.${p}`]);

/** Creates the process logger for daemon `name` at `level` (or at $PDNSD_LOG_LEVEL when set). */
export function createLogger(name: string, level = "info"): Logger {
  const override = process.env[LOG_LEVEL_ENV];
  return pino({
    name,
    level: override !== undefined && override !== "" ? override : level,
    base: { daemon: name, pid: process.pid },
    // Defense in depth: secrets are never meant to be logged; if one ends up in a log object, hide it.
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  });
}

export type { Logger };
