import { classifyRequest, decodeZoneId, zoneNameFromCreateResponse } from "@pdns-distribute/api-proxy";

describe("classifyRequest", () => {
  const S = "/api/v1/servers/localhost";
  test.each([
    ["POST", `${S}/zones`, { type: "zone.add", zone: undefined }],
    ["POST", `${S}/zones?rrsets=false`, { type: "zone.add", zone: undefined }],
    ["GET", `${S}/zones`, null],
    ["PATCH", `${S}/zones/example.org.`, { type: "zone.modified", zone: "example.org." }],
    ["PUT", `${S}/zones/example.org.`, { type: "zone.modified", zone: "example.org." }],
    ["DELETE", `${S}/zones/example.org.`, { type: "zone.delete", zone: "example.org." }],
    ["GET", `${S}/zones/example.org.`, null],
    ["GET", `${S}/zones/example.org./export`, null],
    ["PUT", `${S}/zones/example.org./notify`, null],
    ["PUT", `${S}/zones/example.org./rectify`, { type: "zone.modified", zone: "example.org." }],
    ["PUT", `${S}/zones/example.org./axfr-retrieve`, { type: "zone.modified", zone: "example.org." }],
    ["POST", `${S}/zones/example.org./metadata`, { type: "zone.modified", zone: "example.org." }],
    ["PUT", `${S}/zones/example.org./metadata/SOA-EDIT`, { type: "zone.modified", zone: "example.org." }],
    ["DELETE", `${S}/zones/example.org./metadata/SOA-EDIT`, { type: "zone.modified", zone: "example.org." }],
    ["GET", `${S}/zones/example.org./metadata`, null],
    ["POST", `${S}/zones/example.org./cryptokeys`, { type: "zone.modified", zone: "example.org." }],
    ["PUT", `${S}/zones/example.org./cryptokeys/3`, { type: "zone.modified", zone: "example.org." }],
    ["DELETE", `${S}/zones/example.org./cryptokeys/3`, { type: "zone.modified", zone: "example.org." }],
    ["PATCH", `${S}/zones/example.org`, { type: "zone.modified", zone: "example.org." }],
    ["PATCH", `${S}/zones/0=2F24.2.0.192.in-addr.arpa.`, { type: "zone.modified", zone: "0/24.2.0.192.in-addr.arpa." }],
    ["POST", `${S}/search-data`, null],
    ["PUT", `${S}/cache/flush`, null],
    ["GET", "/api/v1/servers", null],
  ])("%s %s", (method, url, want) => {
    expect(classifyRequest(method, url)).toEqual(want);
  });
});

describe("zone names", () => {
  test("decodeZoneId handles percent and PowerDNS =XX escapes", () => {
    expect(decodeZoneId("example.org.")).toBe("example.org.");
    expect(decodeZoneId("example.org")).toBe("example.org.");
    expect(decodeZoneId("a%3Db.")).toBe("a=b.");
  });
  test("zone name from a create answer", () => {
    expect(zoneNameFromCreateResponse(Buffer.from('{"id":"example.org.","name":"example.org."}'))).toBe("example.org.");
    expect(zoneNameFromCreateResponse(Buffer.from('{"id":"x.org."}'))).toBe("x.org.");
    expect(zoneNameFromCreateResponse(Buffer.from("oops"))).toBeUndefined();
  });
});
