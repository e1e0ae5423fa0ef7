// Error classes of the DNS package; each carries a `name` and a stable `PDNSD_` code.

/** Options accepted by every error of this package. */
export interface DnsErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of the errors thrown by `@pdns-distribute/dns`; `code` is stable and machine-readable. */
export class DnsError extends Error {
  /** Stable, prefixed error code, e.g. `PDNSD_RDATA_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string, options?: DnsErrorOptions) {
    super(message, options);
    this.name = "DnsError";
    this.code = code;
  }
}

/** A domain name in presentation form that cannot be parsed (empty label, label > 63 octets, bad escape...). */
export class NameError extends DnsError {
  constructor(message: string, options?: DnsErrorOptions) {
    super("PDNSD_NAME_INVALID", message, options);
    this.name = "NameError";
  }
}

/** A record type, or RDATA in presentation or wire form, that is not valid for its type. */
export class RdataError extends DnsError {
  constructor(message: string, options?: DnsErrorOptions) {
    super("PDNSD_RDATA_INVALID", message, options);
    this.name = "RdataError";
  }
}

/** A canonical zone string (or a record set to render) that is not valid; `line` is 1-based when known. */
export class ZoneTextError extends DnsError {
  /** 1-based line number of the offending line, when the error comes from parsing. */
  readonly line: number | undefined;
  constructor(message: string, options?: DnsErrorOptions & { line?: number }) {
    super("PDNSD_ZONE_TEXT_INVALID", message, options);
    this.name = "ZoneTextError";
    this.line = options?.line;
  }
}

/** Options of an {@link AxfrError}. */
export interface AxfrErrorOptions extends DnsErrorOptions {
  /** The response code of the server's answer (e.g. "NOTAUTH"), when the server answered with an error. */
  rcode?: string;
  /** True when the server does not serve the zone (REFUSED, NOTAUTH or NXDOMAIN). */
  notFound?: boolean;
}

/** A zone transfer that failed: connection error, timeout, malformed or error response. */
export class AxfrError extends DnsError {
  /** Response code of the error answer (e.g. "REFUSED"), undefined when the failure is not an error answer. */
  readonly rcode: string | undefined;
  /** True when the server answered REFUSED, NOTAUTH or NXDOMAIN: it does not serve the zone. */
  readonly notFound: boolean;
  constructor(message: string, options?: AxfrErrorOptions) {
    super("PDNSD_AXFR_FAILED", message, options);
    this.name = "AxfrError";
    this.rcode = options?.rcode;
    this.notFound = options?.notFound ?? false;
  }
}
