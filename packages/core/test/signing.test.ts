import { chmodSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LtHash,
  SignatureError,
  signedZoneSchema,
  signingMessage,
  zoneTextDigest,
  ZoneBindingError,
  checkZoneBinding,
  generateKeyPair,
  newRequestBinding,
  readKeyFile,
  signZone,
  verifySignedZone,
  writeKeyPair,
} from "@pdns-distribute/core";

describe("zone signing", () => {
  const kp = generateKeyPair();
  const text = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5\n";

  test("a signed zone verifies", () => {
    const signed = signZone("example.org.", 1, text, kp.secretKey, 1000);
    expect(() => verifySignedZone(signed, kp.publicKey)).not.toThrow();
  });

  test.each([
    ["zone text", { zoneText: text + "x.example.org. 1 IN A 1.2.3.4\n" }],
    ["serial", { serial: 2 }],
    ["timestamp", { timestamp: 1001 }],
    ["zone name", { zone: "example.com." }],
  ])("tampering with the %s is detected", (_what, change) => {
    const signed = { ...signZone("example.org.", 1, text, kp.secretKey, 1000), ...change };
    expect(() => verifySignedZone(signed, kp.publicKey)).toThrow(SignatureError);
  });

  test("a different key is rejected", () => {
    const other = generateKeyPair();
    const signed = signZone("example.org.", 1, text, other.secretKey);
    expect(() => verifySignedZone(signed, kp.publicKey)).toThrow(/does not verify/);
  });

  test("garbage signature is rejected", () => {
    const signed = { ...signZone("example.org.", 1, text, kp.secretKey), signature: "AAAA" };
    expect(() => verifySignedZone(signed, kp.publicKey)).toThrow(/expected 64/);
  });

  test("a v2 envelope binds nonce and requester; any trusted key verifies", () => {
    const b = newRequestBinding("ns2");
    const signed = signZone("example.org.", 1, text, kp.secretKey, 1000, b);
    expect(signed).toMatchObject({ version: 2, nonce: b.nonce, requester: "ns2" });
    const other = generateKeyPair();
    expect(verifySignedZone(signed, [other.publicKey, kp.publicKey])).toBe(1);
    expect(() => verifySignedZone({ ...signed, nonce: newRequestBinding("ns2").nonce }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, requester: "ns3" }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, version: 1 }, kp.publicKey)).toThrow(SignatureError); // v1 message differs
    expect(() => verifySignedZone(signed, [other.publicKey])).toThrow(/trusted key/);
    expect(() => verifySignedZone(signed, [])).toThrow(/no trusted public key/);
    expect(() => checkZoneBinding(signed, { binding: b, now: 1000 + 300_000, maxSkewMs: 300_000 })).not.toThrow();
    expect(() => checkZoneBinding(signed, { binding: b, now: 1000 + 300_001, maxSkewMs: 300_000 })).toThrow(/PDNSD_ZONE_CLOCK_SKEW|more than/);
    expect(() => checkZoneBinding(signed, { binding: newRequestBinding("ns2"), now: 1000, maxSkewMs: 1 })).toThrow(ZoneBindingError);
  });

  test("key files: secret is mode 0600 and both read back", () => {
    const dir = mkdtempSync(join(tmpdir(), "pdnsd-keys-"));
    const files = writeKeyPair(join(dir, "k"), kp);
    expect(statSync(files.secretFile).mode & 0o777).toBe(0o600);
    expect(readKeyFile(files.secretFile, 64)).toEqual(kp.secretKey);
    expect(readKeyFile(files.publicFile, 32)).toEqual(kp.publicKey);
    // A public key file is world-readable, so reading it as a secret key is refused for that first…
    expect(() => readKeyFile(files.publicFile, 64)).toThrow(/accessible by group or others/);
    // …and for its size once it is private.
    chmodSync(files.publicFile, 0o600);
    expect(() => readKeyFile(files.publicFile, 64)).toThrow(/expected 64/);
    expect(() => writeKeyPair(join(dir, "k"), kp)).toThrow();
  });
});

describe("Node's Ed25519 and tweetnacl agree", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nacl = require("tweetnacl") as typeof import("tweetnacl");
  const { signDetached, verifyDetached } = jest.requireActual("@pdns-distribute/core") as typeof import("@pdns-distribute/core");
  test.each([0, 1, 64, 1000])("message of %d bytes", (n) => {
    const kp = nacl.sign.keyPair();
    const msg = Buffer.alloc(n, 7);
    const ours = signDetached(msg, kp.secretKey);
    expect(Buffer.from(ours)).toEqual(Buffer.from(nacl.sign.detached(msg, kp.secretKey)));
    expect(nacl.sign.detached.verify(msg, ours, kp.publicKey)).toBe(true);
    expect(verifyDetached(msg, nacl.sign.detached(msg, kp.secretKey), kp.publicKey)).toBe(true);
    const bad = Buffer.from(ours);
    bad[0] ^= 1;
    expect(verifyDetached(msg, bad, kp.publicKey)).toBe(false);
  });
});

describe("zone signing, version 3 (LtHash16 digest)", () => {
  const kp = generateKeyPair();
  const text = "example.org. 3600 IN SOA ns1.example.org. h.example.org. 1 2 3 4 5\nwww.example.org. 300 IN A 192.0.2.1\n";
  const binding = newRequestBinding("ns2");
  const state = LtHash.ofZoneText(text);

  test("binds the text's SHA-256, the digest of the state it carries and the base digest", () => {
    const signed = signZone("example.org.", 1, text, kp.secretKey, 1000, binding, undefined, { state, base: "b".repeat(64) });
    expect(signed).toMatchObject({ version: 3, textSha256: zoneTextDigest(text), lthash: state.digest(), lthashBase: "b".repeat(64) });
    expect(LtHash.deserialize(Buffer.from(signed.lthashState as string, "base64")).equals(state)).toBe(true);
    expect(signedZoneSchema.safeParse(signed).success).toBe(true);
    expect(verifySignedZone(signed, kp.publicKey)).toBe(0);
    // Another state (other lines), another base, another text: none verifies.
    const other = LtHash.ofZoneText(text).add("evil.example.org. 300 IN A 203.0.113.66");
    expect(() => verifySignedZone({ ...signed, lthashState: other.serialize().toString("base64") }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, lthashBase: "c".repeat(64) }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, lthashBase: undefined }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, zoneText: text + "x.example.org. 1 IN A 1.2.3.4\n" }, kp.publicKey)).toThrow(SignatureError);
    expect(() => verifySignedZone({ ...signed, lthashState: undefined }, kp.publicKey)).toThrow(/without its LtHash state/);
    // Nor does it pass for a version 2 envelope (another domain tag).
    expect(() => verifySignedZone({ ...signed, version: 2 }, kp.publicKey)).toThrow(SignatureError);
  });

  test("without a base, and only bound to a request", () => {
    const signed = signZone("example.org.", 1, text, kp.secretKey, 1000, binding, undefined, { state });
    expect(signed.lthashBase).toBeUndefined();
    expect(verifySignedZone(signed, kp.publicKey)).toBe(0);
    // Unbound (version 1) requests get no version 3 envelope.
    expect(signZone("example.org.", 1, text, kp.secretKey, 1000, undefined, undefined, { state }).version).toBe(1);
    expect(() => signingMessage("example.org.", 1, 1000, text, undefined, undefined, { lthash: state.digest() })).toThrow(SignatureError);
  });
});
