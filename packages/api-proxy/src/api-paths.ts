// Which request paths the api-proxy forwards to PowerDNS (its HTTP API only), and URLs made safe to log.

/**
 * True for the PowerDNS HTTP API paths: `/api`, `/api/v1` and below, `/api/docs`. Anything else (the
 * PowerDNS web UI and statistics, `/metrics`, …) is not forwarded. Paths with dot segments or encoded
 * slashes / dots are refused too, so `/api/v1/../../x` cannot reach past the API (RFC 3986 §5.2.4).
 */
export function isPowerDnsApiPath(url: string): boolean {
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  if (!path.startsWith("/")) return false;
  if (/%2f|%5c|%2e|\\/i.test(path)) return false;
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return false;
  return path === "/api" || path === "/api/" || path === "/api/v1" || path.startsWith("/api/v1/") || path === "/api/docs";
}

/** A request URL safe to log: the value of an `api-key` query parameter (PowerDNS accepts one) is hidden. */
export function redactUrl(url: string | undefined): string {
  if (url === undefined) return "";
  return url.replace(/([?&]api[-_]key=)[^&#]*/gi, "$1[redacted]");
}
