// EDNS options of a query that shape the reply: NSID (RFC 5001) and COOKIE (RFC 7873); only read when the OPT has any.

/** EDNS option codes of the query the engine reads (IANA "DNS EDNS0 Option Codes"; EDE: constants.ts). */
export const OptionCode = {
  /** RFC 5001 §2.3. */
  Nsid: 3,
  /** RFC 7873 §4. */
  Cookie: 10,
} as const;

/** Length of a client cookie (RFC 7873 §4). */
export const CLIENT_COOKIE_LENGTH = 8;
/** A server cookie is 8 to 32 octets (RFC 7873 §4), so a COOKIE option is 8, or 16 to 40 octets. */
const MIN_WITH_SERVER_COOKIE = 16;
const MAX_COOKIE_LENGTH = 40;

/**
 * What one query's OPT asks of the reply. One instance is reused from query to query; the fields are valid until
 * the next {@link readEdnsOptions} into it.
 */
export class EdnsRequest {
  /** The query carried an NSID option (RFC 5001 §2.1: its payload is ignored). */
  nsid = false;
  /** Offset in the message of the first COOKIE option's data (RFC 7873 §5.2: later ones are ignored); -1: none. */
  cookie = -1;
  /** Its length: 8 (client cookie only) or 16..40 (with a server cookie). */
  cookieLength = 0;

  /** Forgets the last query's options (a query without options has none). */
  clear(): void {
    this.nsid = false;
    this.cookie = -1;
    this.cookieLength = 0;
  }
}

/**
 * Reads the options in `msg[start .. end)` (the OPT RDATA, RFC 6891 §6.1.2) into `into`. Returns false when the
 * reply must be FORMERR: an option runs past the RDATA, or the first COOKIE option has a length RFC 7873 §5.2.2
 * calls malformed (not 8, and not 16 to 40). Unknown options are ignored (RFC 6891 §6.1.2).
 */
export function readEdnsOptions(msg: Buffer, start: number, end: number, into: EdnsRequest): boolean {
  into.clear();
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) return false;
    const code = (msg[pos] ?? 0) * 256 + (msg[pos + 1] ?? 0);
    const length = (msg[pos + 2] ?? 0) * 256 + (msg[pos + 3] ?? 0);
    pos += 4;
    if (pos + length > end) return false;
    if (code === OptionCode.Nsid) into.nsid = true;
    else if (code === OptionCode.Cookie && into.cookie < 0) {
      const wellFormed = length === CLIENT_COOKIE_LENGTH || (length >= MIN_WITH_SERVER_COOKIE && length <= MAX_COOKIE_LENGTH);
      if (!wellFormed) return false;
      into.cookie = pos;
      into.cookieLength = length;
    }
    pos += length;
  }
  return true;
}
