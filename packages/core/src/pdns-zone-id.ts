// PowerDNS HTTP API zones: ids (a zone name escaped as PowerDNS' apiZoneNameToId does it, and back) and serials.

/** Characters PowerDNS leaves as they are in a zone id; every other byte becomes `=XX`. */
const PLAIN = /[A-Za-z0-9.-]/;

/**
 * The PowerDNS API id of `zone` (presentation form; made absolute), as PowerDNS builds it: every byte other
 * than a letter, digit, `.` or `-` as `=XX` (upper-case hex), and the root zone `.` as `=2E` (a lone dot
 * does not work in a URL path). The id is safe in a URL path as it is.
 */
export function pdnsZoneId(zone: string): string {
  const name = zone.endsWith(".") ? zone : `${zone}.`;
  if (name === ".") return "=2E";
  let id = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const ch = String.fromCharCode(byte);
    id += byte < 0x80 && PLAIN.test(ch) ? ch : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return id;
}

/**
 * The zone name of a PowerDNS zone id taken from a URL path segment: percent-decoding, then PowerDNS' own
 * `=XX` escaping (e.g. `=2F` for `/`, `=2E` for the root), made absolute. Inverse of {@link pdnsZoneId}.
 */
export function zoneNameFromPdnsId(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    id = segment;
  }
  id = id.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return id.endsWith(".") ? id : `${id}.`;
}

/** The serial in PowerDNS' zone JSON: edited_serial (after SOA-EDIT) when set, else serial; null when neither is a number. */
export function serialOfZoneJson(z: { serial?: unknown; edited_serial?: unknown }): number | null {
  if (typeof z.edited_serial === "number" && z.edited_serial > 0) return z.edited_serial;
  return typeof z.serial === "number" ? z.serial : null;
}
