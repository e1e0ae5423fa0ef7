// Which request paths the api-proxy forwards to PowerDNS (its HTTP API, or every path when configured), and URLs made safe to log.

/** The path of a request URL (query dropped). */
function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/**
 * True for an absolute path without dot segments and without encoded slashes, backslashes or dots, so it
 * cannot climb out of where it points (RFC 3986 §5.2.4).
 */
function isPlainPath(path: string): boolean {
  if (!path.startsWith("/")) return false;
  if (/%2f|%5c|%2e|\\/i.test(path)) return false;
  return !path.split("/").some((segment) => segment === "." || segment === "..");
}

/**
 * True for the PowerDNS HTTP API paths: `/api`, `/api/v1` and below, `/api/docs`. Anything else (the
 * PowerDNS web UI and statistics, `/metrics`, …) is not an API path. Paths with dot segments or encoded
 * slashes / dots are refused too, so `/api/v1/../../x` cannot reach past the API.
 */
export function isPowerDnsApiPath(url: string): boolean {
  const path = pathOf(url);
  if (!isPlainPath(path)) return false;
  return path === "/api" || path === "/api/" || path === "/api/v1" || path.startsWith("/api/v1/") || path === "/api/docs";
}

/**
 * Whether the api-proxy forwards `url` to PowerDNS: the API paths; with `allPaths` (`[proxy] forward_all_paths`)
 * every plain path, PowerDNS' own web page (`/`), `/style.css` and `/metrics` included. Dot segments and encoded
 * slashes or dots are never forwarded.
 */
export function isForwardedPath(url: string, allPaths: boolean): boolean {
  return allPaths ? isPlainPath(pathOf(url)) : isPowerDnsApiPath(url);
}

/** A request URL safe to log: the value of an `api-key` query parameter (PowerDNS accepts one) is hidden. */
export function redactUrl(url: string | undefined): string {
  if (url === undefined) return "";
  return url.replace(/([?&]api[-_]key=)[^&#]*/gi, "$1[redacted]");
}
