// pino logger factory: JSON lines on stdout (journald picks them up), one `daemon` field per process.
import pino from "pino";
import type { Logger } from "pino";

/** Creates the process logger for daemon `name` at `level`. */
export function createLogger(name: string, level = "info"): Logger {
  return pino({ name, level, base: { daemon: name, pid: process.pid } });
}

export type { Logger };
