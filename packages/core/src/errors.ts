// Error hierarchy shared by all pdns-distribute packages: each error has a stable PDNSD_ code.
import { PROTOCOL_ERROR_CODES } from "./protocol-codes";

/** Base class of every pdns-distribute error; `code` is stable and machine-readable. */
export class PdnsdError extends Error {
  /** Stable, prefixed error code, e.g. `PDNSD_CONFIG_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PdnsdError";
    this.code = code;
  }
}

/** A configuration file that is missing, unreadable, not TOML, or has an invalid key. */
export class ConfigError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_CONFIG_INVALID", message, options);
    this.name = "ConfigError";
  }
}

/** A NATS message whose payload is not valid JSON or does not match its schema. */
export class MessageDecodeError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(PROTOCOL_ERROR_CODES.messageInvalid, message, options);
    this.name = "MessageDecodeError";
  }
}

/** Signed zone data whose Ed25519 signature does not verify with the configured public key. */
export class SignatureError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_ZONE_SIGNATURE_INVALID", message, options);
    this.name = "SignatureError";
  }
}

/** A key file that cannot be read or does not hold a key of the expected size. */
export class KeyFileError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_KEY_INVALID", message, options);
    this.name = "KeyFileError";
  }
}

/** A secondary's zone-state responder did not answer, or answered with an error. */
export class SecondaryStateError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_SECONDARY_STATE_FAILED", message, options);
    this.name = "SecondaryStateError";
  }
}
