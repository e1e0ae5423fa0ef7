// The [dns] keys of the answer engine's EDNS features turned into server options: NSID (RFC 5001), DNS cookies
// (RFC 7873) and the RRL exemptions.
import { hostname } from "node:os";
import { CookieOutcome } from "@pdns-distribute/answer";
import { secondarySyncerConfigSchema } from "../src/config";
import { cookiesOf, dnsServerOptions } from "../src/dns-options";

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

describe("[dns] cookies, cookie_rotation_s, rrl_exempt", () => {
  test("cookies on by default, off with cookies = false", () => {
    expect(options({}).cookies).not.toBeNull();
    expect(options({ cookies: false }).cookies).toBeNull();
  });

  test("one master secret gives the same cookies in every process (the DNS workers), another does not", () => {
    const cfg = secondarySyncerConfigSchema.parse({ dns: { cookie_rotation_s: 600 } });
    const secret = Buffer.alloc(32, 1);
    const [a, b, c] = [cookiesOf(cfg, secret), cookiesOf(cfg, secret), cookiesOf(cfg)];
    const client = Buffer.from([192, 0, 2, 1]);
    const made = Buffer.alloc(24);
    a?.reply(Buffer.alloc(8, 2), 0, 8, client, made);
    const out = Buffer.alloc(24);
    expect(b?.reply(made, 0, 24, client, out)).toBe(CookieOutcome.Valid);
    expect(c?.reply(made, 0, 24, client, out)).toBe(CookieOutcome.Invalid);
  });

  test("rrl_exempt is passed to RRL; bad entries and rotation periods are refused naming the key", () => {
    expect(options({ rrl_exempt: ["192.0.2.10", "2001:db8::/32"] }).rrl?.exempt).toEqual(["192.0.2.10", "2001:db8::/32"]);
    expect(() => secondarySyncerConfigSchema.parse({ dns: { rrl_exempt: ["front"] } })).toThrow(/rrl_exempt/);
    expect(() => secondarySyncerConfigSchema.parse({ dns: { cookie_rotation_s: 10 } })).toThrow(/cookie_rotation_s/);
  });
});
