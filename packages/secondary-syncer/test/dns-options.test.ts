// The [dns] keys of the answer engine's EDNS features turned into server options: NSID (RFC 5001).
import { hostname } from "node:os";
import { secondarySyncerConfigSchema } from "../src/config";
import { dnsServerOptions } from "../src/dns-options";

const logger = { warn: jest.fn(), error: jest.fn() };
const options = (dns: Record<string, unknown>) => {
  const cfg = secondarySyncerConfigSchema.parse({ dns });
  return dnsServerOptions(cfg, 0, () => { throw new Error("unused"); }, logger);
};

describe("[dns] nsid", () => {
  test.each([
    ["off by default", {}, null],
    ["false: off", { nsid: false }, null],
    ["true: the host name", { nsid: true }, hostname()],
    ["a string: that text", { nsid: "ns2.example.net" }, "ns2.example.net"],
  ])("%s", (_name, dns, want) => {
    const nsid = options(dns).nsid;
    expect(nsid === null || nsid === undefined ? null : nsid.toString()).toBe(want);
  });

  test.each([[""], ["x".repeat(129)], [42]])("refused: %j", (value) => {
    expect(() => secondarySyncerConfigSchema.parse({ dns: { nsid: value } })).toThrow(/nsid/);
  });
});
