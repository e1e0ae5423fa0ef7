// Errors of the udp-batch package.

/** The native addon is not available (not built, not Linux, or it failed to load). */
export class UdpBatchUnavailableError extends Error {
  override readonly name = "UdpBatchUnavailableError";
  readonly code = "PDNSD_UDP_BATCH_UNAVAILABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
