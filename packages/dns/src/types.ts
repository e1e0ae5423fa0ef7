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
