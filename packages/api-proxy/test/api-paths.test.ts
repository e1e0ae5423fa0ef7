// The api-proxy forwards PowerDNS API paths (every plain path with forward_all_paths) and never logs an API key given in the URL.
import { isForwardedPath, isPowerDnsApiPath, redactUrl } from "../src/api-paths";

describe("api-proxy paths", () => {
  test.each([
    ["/api", true],
    ["/api/v1", true],
    ["/api/v1/servers/localhost/zones", true],
    ["/api/v1/servers/localhost/zones/example.org.?rrsets=false", true],
    ["/api/docs", true],
    ["/", false],
    ["/metrics", false],
    ["/style.css", false],
    ["/api/v2/servers", false],
    ["/apix/v1", false],
    ["/api/v1/../../metrics", false],
    ["/api/v1/%2e%2e/%2e%2e/metrics", false],
    ["/api/v1/servers%2Flocalhost", false],
    ["api/v1/servers", false],
  ])("%s → %s", (url, proxied) => {
    expect(isPowerDnsApiPath(url)).toBe(proxied);
  });

  test.each([
    ["/", false, true],
    ["/style.css", false, true],
    ["/metrics", false, true],
    ["/api/v1/servers", true, true],
    ["/api/v1/../../metrics", false, false],
    ["/%2e%2e/etc/passwd", false, false],
    ["/a%2Fb", false, false],
    ["style.css", false, false],
  ])("%s forwarded: %s by default, %s with forward_all_paths", (url, byDefault, withAll) => {
    expect(isForwardedPath(url, false)).toBe(byDefault);
    expect(isForwardedPath(url, true)).toBe(withAll);
  });

  test("an api-key query parameter is redacted for logs", () => {
    expect(redactUrl("/api/v1/servers?api-key=s3cret&x=1")).toBe("/api/v1/servers?api-key=[redacted]&x=1");
    expect(redactUrl("/api/v1/servers?x=1&API_KEY=s3cret")).toBe("/api/v1/servers?x=1&API_KEY=[redacted]");
    expect(redactUrl("/api/v1/servers")).toBe("/api/v1/servers");
    expect(redactUrl(undefined)).toBe("");
  });
});
