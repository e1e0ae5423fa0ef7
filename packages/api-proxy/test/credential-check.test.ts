// The credential check before a write: accepted keys remembered by fingerprint for a while, refused ones answered
// with PowerDNS' own 401, one request for concurrent checks of the same key, nothing decided when PowerDNS fails.
import { AcceptedCredentials, credentialFingerprint, credentialsOf, createCredentialCheck } from "../src/credential-check";
import type { Forwarder, RequestHead, UpstreamAnswer } from "../src/forward";

const write = (headers: RequestHead["headers"], url = "/api/v1/servers/localhost/zones/a.org."): RequestHead => ({ method: "PATCH", url, headers });

function fakePowerDns(valid: string, opts: { fail?: boolean; status?: number } = {}) {
  const asked: RequestHead[] = [];
  const forwarder: Forwarder = {
    async forward(head): Promise<UpstreamAnswer> {
      asked.push(head);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.fail) throw new Error("ECONNREFUSED");
      const key = head.headers["x-api-key"] ?? new URLSearchParams((head.url ?? "").split("?")[1] ?? "").get("api-key");
      if (opts.status !== undefined) return { status: opts.status, headers: {}, body: Buffer.alloc(0) };
      return key === valid ? { status: 200, headers: {}, body: Buffer.from("[]") } : { status: 401, headers: { "content-type": "text/plain" }, body: Buffer.from("Unauthorized") };
    },
    close: () => undefined,
  };
  return { forwarder, asked };
}

test("credentials are X-API-Key, Authorization and an api-key query parameter; the fingerprint holds no key", () => {
  expect(credentialsOf(write({ "x-api-key": "k", authorization: "Basic x", accept: "*/*" }, "/api/v1/servers?api-key=q%20r&x=1"))).toEqual({
    headers: { "x-api-key": "k", authorization: "Basic x" },
    query: "?api-key=q%20r",
  });
  const f = credentialFingerprint(write({ "x-api-key": "secret-key" }));
  expect(f).toMatch(/^[0-9a-f]{64}$/);
  expect(f).not.toContain("secret");
  expect(credentialFingerprint(write({ "x-api-key": "other" }))).not.toBe(f);
});

test("accepted credentials expire after the TTL; the oldest are forgotten beyond the bound", () => {
  const a = new AcceptedCredentials(1000, 2);
  a.add("x", 0);
  expect(a.has("x", 999)).toBe(true);
  expect(a.has("x", 1000)).toBe(false);
  a.add("a", 0);
  a.add("b", 0);
  a.add("c", 0);
  expect([a.has("a", 1), a.has("b", 1), a.has("c", 1), a.size]).toEqual([false, true, true, 2]);
});

test("a key PowerDNS accepts is asked once (concurrent checks share it) and then remembered", async () => {
  const { forwarder, asked } = fakePowerDns("good");
  const check = createCredentialCheck(forwarder);
  const verdicts = await Promise.all(Array.from({ length: 5 }, () => check.check(write({ "x-api-key": "good" }))));
  expect(verdicts.every((v) => v.kind === "accepted")).toBe(true);
  expect(await check.check(write({ "x-api-key": "good" }))).toEqual({ kind: "accepted" });
  expect(asked).toHaveLength(1);
  expect(asked[0]).toMatchObject({ method: "GET", url: "/api/v1/servers", headers: { "x-api-key": "good" } });
});

test("a key PowerDNS refuses gets PowerDNS' answer and is asked again next time (never remembered)", async () => {
  const { forwarder, asked } = fakePowerDns("good");
  const check = createCredentialCheck(forwarder);
  const v = await check.check(write({ "x-api-key": "bad" }));
  expect(v.kind === "refused" && [v.answer.status, v.answer.body.toString()]).toEqual([401, "Unauthorized"]);
  expect((await check.check(write({}, "/api/v1/servers/localhost/zones/a.org.?api-key=good"))).kind).toBe("accepted");
  expect((await check.check(write({ "x-api-key": "bad" }))).kind).toBe("refused");
  expect(asked.map((h) => h.url)).toEqual(["/api/v1/servers", "/api/v1/servers?api-key=good", "/api/v1/servers"]);
});

test("PowerDNS unreachable or answering something else: unknown (the write goes on as before, PowerDNS decides)", async () => {
  expect(await createCredentialCheck(fakePowerDns("good", { fail: true }).forwarder).check(write({ "x-api-key": "good" }))).toEqual({ kind: "unknown" });
  expect(await createCredentialCheck(fakePowerDns("good", { status: 500 }).forwarder).check(write({ "x-api-key": "good" }))).toEqual({ kind: "unknown" });
});
