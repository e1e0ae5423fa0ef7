// Types of the DNS zone model shared by the zone-provider (renders) and the secondary (parses, answers).

/**
 * One resource record of a zone.
 * - `name`: absolute owner name in lower case with the trailing dot ("www.example.org.").
 * - `type`: mnemonic ("A", "RRSIG", "NSEC3PARAM") or "TYPE<n>" for types without a mnemonic.
 * - `ttl`: seconds.
 * - `rdata`: presentation form of the RDATA, as in an RFC 1035 master file line; names inside are absolute.
 *   Types without a dedicated presentation codec use the RFC 3597 generic form `\# <len> <hex>`.
 */
export interface ZoneRecord {
  name: string;
  type: string;
  ttl: number;
  rdata: string;
}

/**
 * A {@link ZoneRecord} with its type number and RDATA in uncompressed wire form, as checked while parsing a zone text
 * (see `parseZoneTextWire`): what the secondary's answer engine compiles, without encoding the RDATA again.
 * `rdata` is the presentation text as given (canonical when the zone text is canonical).
 */
export interface ZoneWireRecord extends ZoneRecord {
  typeNumber: number;
  /** RDATA in uncompressed wire form (names inside keep their case). */
  wire: Buffer;
}
