// Error classes thrown by the test harness, each with a stable PDNSD_HARNESS_* code.

/** Stable error codes of the test harness (`as const` object, not an enum). */
export const HarnessErrorCode = {
  Timeout: "PDNSD_HARNESS_TIMEOUT",
  StartFailed: "PDNSD_HARNESS_START_FAILED",
  ProcessExited: "PDNSD_HARNESS_PROCESS_EXITED",
  CommandFailed: "PDNSD_HARNESS_COMMAND_FAILED",
  PdnsApi: "PDNSD_HARNESS_PDNS_API",
  NoFreePort: "PDNSD_HARNESS_NO_FREE_PORT",
} as const;

/** One of the {@link HarnessErrorCode} values. */
export type HarnessErrorCode = (typeof HarnessErrorCode)[keyof typeof HarnessErrorCode];

/** Base class of every error the harness throws. */
export class HarnessError extends Error {
  override name = "HarnessError";
  /** Stable machine-readable code. */
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A `waitFor` / `waitForLog` condition did not become true in time. */
export class HarnessTimeoutError extends HarnessError {
  override name = "HarnessTimeoutError";

  constructor(message: string, options?: { cause?: unknown }) {
    super(HarnessErrorCode.Timeout, message, options);
  }
}

/** The PowerDNS HTTP API answered with a non-2xx status. */
export class PdnsApiError extends HarnessError {
  override name = "PdnsApiError";
  /** HTTP status code of the answer. */
  readonly status: number;
  /** Raw response body (PowerDNS errors are JSON `{"error": "..."}`). */
  readonly body: string;

  constructor(method: string, url: string, status: number, body: string) {
    super(HarnessErrorCode.PdnsApi, `PowerDNS API ${method} ${url} failed: ${status} ${body}`);
    this.status = status;
    this.body = body;
  }
}
