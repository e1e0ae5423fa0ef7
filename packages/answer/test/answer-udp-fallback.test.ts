// Without the udp-batch addon (not built, not Linux) the DNS server answers through dgram and warns once.

import dgram from "node:dgram";
import { parseZoneText } from "@pdns-distribute/dns";
import * as dnsPacket from "dns-packet";
import { compileZone, createZoneSet, startDnsServer } from "../src";

jest.mock("@pdns-distribute/udp-batch", () => ({
  udpBatchUnavailableReason: () => "udp_batch.node not found (test)",
  openUdpBatchSocket: () => {
    throw new Error("must not be called");
  },
}));

const ZONE = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 7200 3600 1209600 300\nwww.example.org. 300 IN A 192.0.2.10";

test.each(["auto", "batch"] as const)("udp_io %s without the addon: dgram, one warning line per process", async (udpIo) => {
  const logger = { warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
  const zones = createZoneSet([compileZone("example.org.", parseZoneText(ZONE))]);
  const server = await startDnsServer({ address: "127.0.0.1", port: 0, zones, logger, udpIo });
  try {
    expect(server.udpIo).toBe("dgram");
    const socket = dgram.createSocket("udp4");
    const reply = await new Promise<dnsPacket.DecodedPacket>((resolve) => {
      socket.once("message", (m) => resolve(dnsPacket.decode(m)));
      socket.send(dnsPacket.encode({ type: "query", id: 3, questions: [{ name: "www.example.org", type: "A" }] }), server.address().port, "127.0.0.1");
    });
    socket.close();
    expect(reply.answers?.[0]).toMatchObject({ data: "192.0.2.10" });
  } finally {
    await server.close();
  }
  // The first server of the process logged it; the second did not log it again.
  expect(logger.warn).toHaveBeenCalledTimes(udpIo === "auto" ? 1 : 0);
  if (udpIo === "auto") expect(logger.warn.mock.calls[0]?.[1]).toMatch(/unavailable; answering through Node's dgram/);
});
