// Pure checks that a zone-data reply is the zone-provider's answer to this very request: signed zone data, or a signed "not found".
import { PdnsdError, SignatureError, ZoneBindingError, checkZoneBinding, verifySignedZoneDigest, verifyZoneAbsence } from "@pdns-distribute/core";
import type { ErrorReply, SignedZoneHeader, ZoneRequestBinding } from "@pdns-distribute/core";
import { normalizeName } from "@pdns-distribute/dns";

/**
 * A reply that is not verifiably the zone-provider's answer to the request sent: a bad or missing signature, an
 * untrusted key, another request's nonce (a replay), a signing time too far off, another zone, or text that does
 * not match the signed digest. Never applied; the zone is asked for again (another member of the zone-provider
 * queue group may answer), so a rogue responder delays a change by a retry, not for good.
 */
export class UnverifiedReplyError extends PdnsdError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "UnverifiedReplyError";
  }
}

/** Checks a signed envelope against the digest its text must have (throws when it does not verify). */
export type EnvelopeCheck = (header: SignedZoneHeader, sha256: string) => void;

/** What a reply is checked against: the trusted keys and the allowed clock skew. */
export interface ReplyTrust {
  /** Trusted zone-provider public key(s); any of them will do (key rotation). */
  publicKey: Uint8Array | readonly Uint8Array[];
  /** Largest allowed |now - signing time|, ms. */
  maxClockSkewMs: number;
}

/** Runs a signing check, turning its errors into UnverifiedReplyError. */
function asUnverified<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof SignatureError || err instanceof ZoneBindingError) throw new UnverifiedReplyError(err.code, err.message, { cause: err });
    throw err;
  }
}

/**
 * Checks a signed-zone envelope against the digest its text must have, before the text is at hand: data for
 * `zone`, signed by a trusted key over `sha256`, bound to `binding`. Returns the index of the key that verified.
 */
export function verifyZoneDataHeader(header: SignedZoneHeader, sha256: string, zone: string, binding: ZoneRequestBinding, trust: ReplyTrust): number {
  if (normalizeName(header.zone) !== zone) throw new UnverifiedReplyError("PDNSD_ZONE_MISMATCH", `asked for ${zone}, got data for ${header.zone}`);
  return asUnverified(() => {
    const keyIndex = verifySignedZoneDigest(header, sha256, trust.publicKey);
    checkZoneBinding(header, { binding, maxSkewMs: trust.maxClockSkewMs });
    return keyIndex;
  });
}

/**
 * Checks that a "zone not found" reply carries the zone-provider's signed evidence for `zone`, bound to this
 * request: the only thing that lets a secondary remove a zone. An unsigned one (forged, or from a zone-provider
 * older than this check) is unverified.
 */
export function verifyNotFound(reply: ErrorReply, zone: string, binding: ZoneRequestBinding, trust: ReplyTrust): void {
  const absence = reply.absence;
  if (!absence) throw new UnverifiedReplyError("PDNSD_ZONE_ABSENCE_UNSIGNED", `zone ${zone}: "not found" reply without signed evidence`);
  if (normalizeName(absence.zone) !== zone) throw new UnverifiedReplyError("PDNSD_ZONE_MISMATCH", `asked for ${zone}, got the absence of ${absence.zone}`);
  asUnverified(() => verifyZoneAbsence(absence, trust.publicKey, { binding, maxSkewMs: trust.maxClockSkewMs }));
}
