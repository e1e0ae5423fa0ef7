// SOA serial number arithmetic (RFC 1982 §3.2): which of two serials is newer, with wrap-around.

/** -1 if a is older than b, 0 if equal, 1 if a is newer, per RFC 1982 (undefined pairs count as older). */
export function compareSerial(a: number, b: number): -1 | 0 | 1 {
  if (a === b) return 0;
  const HALF = 2 ** 31;
  const newer = (a < b && b - a > HALF) || (a > b && a - b < HALF);
  return newer ? 1 : -1;
}
