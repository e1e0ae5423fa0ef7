// Errors of the answer engine: zone compilation failures and malformed names (mapped to rcodes only in wire.ts).

import { PdnsdError } from "@pdns-distribute/core";

/** A name or RDATA the answer engine cannot handle (bad label, name too long, truncated wire data). */
export class AnswerError extends PdnsdError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "AnswerError";
  }
}

/** A zone that cannot be compiled for serving: no SOA at the apex, or a record whose RDATA does not encode. */
export class ZoneCompileError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_ZONE_COMPILE_FAILED", message, options);
    this.name = "ZoneCompileError";
  }
}

/**
 * `value` when it is there; else throws: a missing zone or chain name is an engine bug, which the wire adapter
 * turns into SERVFAIL and one log line. The check is what noUncheckedIndexedAccess asks for, at the cost of a compare.
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new AnswerError("PDNSD_ANSWER_INTERNAL", `${what} is missing`);
  return value;
}
