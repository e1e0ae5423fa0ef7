// Error codes carried in NATS error replies (`{type: "error", code}`): the daemons' shared vocabulary.

/**
 * Codes a request handler puts in an error reply, and that a requester may act on. Other PDNSD_ codes of a
 * thrown {@link PdnsdError} may also travel in a reply; these are the ones the protocol itself defines.
 */
export const PROTOCOL_ERROR_CODES = {
  /** zone-provider: the primary does not have the requested zone; with its signed `absence` (bound to the request), the secondary drops it. */
  zoneNotFound: "PDNSD_ZONE_NOT_FOUND",
  /** zone-provider: the zone could not be read from the primary (PowerDNS down, transfer broken); retry. */
  zoneDataFailed: "PDNSD_ZONE_DATA_FAILED",
  /** Any responder: the request did not decode or match its schema. */
  messageInvalid: "PDNSD_MESSAGE_INVALID",
  /** secondary: its zone-state reply could not be built. */
  zoneStateFailed: "PDNSD_ZONE_STATE_FAILED",
} as const;

/** One of {@link PROTOCOL_ERROR_CODES}. */
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[keyof typeof PROTOCOL_ERROR_CODES];
