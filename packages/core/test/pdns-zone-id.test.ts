// PowerDNS API zone ids, as PowerDNS' apiZoneNameToId builds them (ws-api.cc), and back.
import { pdnsZoneId, zoneNameFromPdnsId } from "@pdns-distribute/core";

describe("PowerDNS zone ids", () => {
  test.each([
    ["example.org.", "example.org."],
    ["example.org", "example.org."],
    ["Sub-1.Example.ORG.", "Sub-1.Example.ORG."],
    // The root zone: a lone dot does not work in a URL path, PowerDNS uses "=2E" (GET /zones/. is 404).
    [".", "=2E"],
    ["", "=2E"],
    // RFC 2317 classless delegation and service labels: every byte but letters, digits, "." and "-" as =XX.
    ["0/26.2.0.192.in-addr.arpa.", "0=2F26.2.0.192.in-addr.arpa."],
    ["_tcp.example.org.", "=5Ftcp.example.org."],
    ["a=b.example.", "a=3Db.example."],
    ["a\\032b.example.", "a=5C032b.example."],
  ])("%j → %j", (zone, id) => {
    expect(pdnsZoneId(zone)).toBe(id);
  });

  test.each([".", "example.org.", "0/26.2.0.192.in-addr.arpa.", "_tcp.example.org.", "a=b.example.", "a\\032b.example."])(
    "%j survives a round trip (also percent-encoded)",
    (zone) => {
      expect(zoneNameFromPdnsId(pdnsZoneId(zone))).toBe(zone);
      expect(zoneNameFromPdnsId(encodeURIComponent(pdnsZoneId(zone)))).toBe(zone);
    },
  );
});
