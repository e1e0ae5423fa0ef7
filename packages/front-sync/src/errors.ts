// Errors of the front-sync, each with a stable PDNSD_ code.
import { PdnsdError } from "@pdns-distribute/core";

/** dnsdist's console could not be reached, refused the key, or answered a command with an error. */
export class DnsdistConsoleError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_DNSDIST_CONSOLE_FAILED", message, options);
    this.name = "DnsdistConsoleError";
  }
}

/** The recursor's forward-zones file could not be written or `rec_control reload-zones` failed. */
export class RecursorReloadError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_RECURSOR_RELOAD_FAILED", message, options);
    this.name = "RecursorReloadError";
  }
}
