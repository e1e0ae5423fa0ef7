// Errors of the health-checker, each with a stable PDNSD_ code.
import { PdnsdError } from "@pdns-distribute/core";

/** The PowerDNS API or DNS port could not be reached or answered unexpectedly. */
export class PrimaryStateError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_PRIMARY_STATE_FAILED", message, options);
    this.name = "PrimaryStateError";
  }
}

/** No health-checker answered the status request. */
export class StatusUnavailableError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_STATUS_UNAVAILABLE", message, options);
    this.name = "StatusUnavailableError";
  }
}

/** Zone-state request failures: the error lives in core with the zone-state client. */
export { SecondaryStateError } from "@pdns-distribute/core";
