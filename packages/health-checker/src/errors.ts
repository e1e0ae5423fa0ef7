// Errors of the health-checker, each with a stable PDNSD_ code.
import { PdnsdError } from "@pdns-distribute/core";

/** The PowerDNS API or DNS port could not be reached or answered unexpectedly. */
export class PrimaryStateError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_PRIMARY_STATE_FAILED", message, options);
    this.name = "PrimaryStateError";
  }
}

/** A secondary did not answer a zone-state request, or answered with an error. */
export class SecondaryStateError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_SECONDARY_STATE_FAILED", message, options);
    this.name = "SecondaryStateError";
  }
}

/** No health-checker answered the status request. */
export class StatusUnavailableError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_STATUS_UNAVAILABLE", message, options);
    this.name = "StatusUnavailableError";
  }
}
