// Zone-digest replies (content audit): the serial and text digest of a whole read, or a plain error.
import { zoneTextDigest } from "@pdns-distribute/core";
import { AxfrError } from "@pdns-distribute/dns";
import { zoneDigestReply } from "@pdns-distribute/zone-provider";
import type { ZoneSource } from "@pdns-distribute/zone-provider";

const TEXT = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 7 1 1 1 1\nexample.org. 3600 IN NS ns1.example.org.\n";
const request = (zone: unknown) => Buffer.from(JSON.stringify({ type: "zone.digest.request", version: 1, zone }));

describe("zoneDigestReply", () => {
  const asked: string[] = [];
  const source: ZoneSource = async (zone) => {
    asked.push(zone);
    if (zone === "gone.test.") throw new AxfrError("REFUSED", { rcode: "REFUSED", notFound: true });
    if (zone === "down.test.") throw new AxfrError("connection refused");
    return { zoneText: TEXT, serial: 7, digest: zoneTextDigest(TEXT), records: 2 };
  };

  test("a zone the primary has: its serial and the SHA-256 of its canonical text (name normalized)", async () => {
    const r = await zoneDigestReply(request("Example.ORG."), source);
    expect(r).toEqual({ result: "ok", zone: "example.org.", reply: { type: "zone.digest", version: 1, zone: "example.org.", serial: 7, sha256: zoneTextDigest(TEXT), records: 2 } });
    expect(asked).toContain("example.org.");
  });

  test.each([
    ["a zone the primary lacks", request("gone.test."), "not_found", "PDNSD_ZONE_NOT_FOUND"],
    ["PowerDNS not answering", request("down.test."), "failed", "PDNSD_ZONE_DATA_FAILED"],
    ["a relative name", request("example.org"), "invalid", "PDNSD_MESSAGE_INVALID"],
    ["not JSON", Buffer.from("{"), "invalid", "PDNSD_MESSAGE_INVALID"],
  ])("%s → %s", async (_what, data, result, code) => {
    const r = await zoneDigestReply(data, source);
    expect(r.result).toBe(result);
    expect(r.reply).toMatchObject({ type: "error", version: 1, code });
  });
});
