// Ed25519 signing of zone data: the primary signs, secondaries verify with the public key(s) only.
// Keys are tweetnacl's (64-byte secret = seed || public key, 32-byte public key) and tweetnacl generates them;
// signing and verifying use Node's built-in Ed25519 (OpenSSL), which gives byte-identical signatures
// (Ed25519 is deterministic, RFC 8032) about 50x faster than tweetnacl's pure-JS code (9 ms sign and 16 ms
// verify per zone on the 2-core reference machine): that is most of a change's propagation time otherwise.
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import nacl from "tweetnacl";
import { KeyFileError, PdnsdError, SignatureError } from "./errors";
import { assertPrivateFile } from "./secrets";
import type { SignedZone, ZoneAbsence } from "./events";
import { LTHASH_BYTES } from "./lthash";
import type { LtHash } from "./lthash";

/** Domain tag of unbound (version 1) envelopes: still verified for zones stored before v2. */
const DOMAIN_V1 = "pdns-distribute zone-data v1";
/** Domain tag of request-bound (version 2) envelopes. */
const DOMAIN_V2 = "pdns-distribute zone-data v2";
/** Domain tag of request-bound envelopes that also bind the zone's LtHash16 digest (version 3). */
const DOMAIN_V3 = "pdns-distribute zone-data v3";
/** Domain tag of a signed "zone not found" (another tag: it can never pass for zone data, nor zone data for it). */
const DOMAIN_ABSENT = "pdns-distribute zone-absent v1";

/** An Ed25519 key pair (64-byte secret key, 32-byte public key). */
export interface SigningKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** What a zone-data request binds its reply to: a fresh random nonce and the requester's id. */
export interface ZoneRequestBinding {
  nonce: string;
  requester: string;
}

/** A fresh binding for one zone-data request (128-bit random nonce, base64url). */
export function newRequestBinding(requester: string): ZoneRequestBinding {
  return { nonce: randomBytes(16).toString("base64url"), requester };
}

/** Signed zone data that is not the answer to the request just sent (replay) or is too far off in time. */
export class ZoneBindingError extends PdnsdError {
  constructor(code: "PDNSD_ZONE_REPLAYED" | "PDNSD_ZONE_CLOCK_SKEW", message: string) {
    super(code, message);
    this.name = "ZoneBindingError";
  }
}

/** Hex SHA-256 of a zone text, as it enters the signing message (compute once, sign many times). */
export function zoneTextDigest(zoneText: string): string {
  return createHash("sha256").update(zoneText, "utf8").digest("hex");
}

/**
 * What a version 3 envelope binds besides the text's SHA-256: the LtHash16 digest of the zone's lines and, for a
 * delta, the digest of the version it was made from (docs/security.md, "Incremental zone digest").
 */
export interface ZoneLtHashBinding {
  /** Hex compact LtHash16 digest ({@link LtHash.digest}) of the zone's lines. */
  lthash: string;
  /** Hex compact digest of the base version a delta applies to; absent: none ("" in the message). */
  lthashBase?: string;
}

/**
 * The exact bytes that are signed: a domain-separation tag, the zone name, serial, timestamp, (v2 and v3) the
 * request's nonce and requester, the SHA-256 of the zone text, and (v3 only) its LtHash16 digest and the base
 * digest, newline-separated. Hashing first keeps signing cheap for huge zones. Without `binding` this is the v1
 * message; with `lthash` (needs `binding`) the v3 message.
 */
export function signingMessage(
  zone: string,
  serial: number,
  timestamp: number,
  zoneText: string,
  binding?: ZoneRequestBinding,
  textDigest = zoneTextDigest(zoneText),
  lthash?: ZoneLtHashBinding,
): Uint8Array {
  let text: string;
  if (lthash && binding) {
    text = `${DOMAIN_V3}\n${zone}\n${serial}\n${timestamp}\n${binding.nonce}\n${binding.requester}\n${textDigest}\n${lthash.lthash}\n${lthash.lthashBase ?? ""}`;
  } else if (lthash) {
    throw new SignatureError(`zone ${zone}: a version 3 envelope must be bound to a request`);
  } else if (binding) {
    text = `${DOMAIN_V2}\n${zone}\n${serial}\n${timestamp}\n${binding.nonce}\n${binding.requester}\n${textDigest}`;
  } else {
    text = `${DOMAIN_V1}\n${zone}\n${serial}\n${timestamp}\n${textDigest}`;
  }
  return Buffer.from(text, "utf8");
}

// DER prefixes of an Ed25519 private key (PKCS#8, followed by the 32-byte seed) and public key (SPKI).
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519 = Buffer.from("302a300506032b6570032100", "hex");
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new WeakMap<Uint8Array, KeyObject>();

/** Node KeyObject for a tweetnacl 64-byte secret key (cached per key buffer). */
function privateKeyObject(secretKey: Uint8Array): KeyObject {
  let key = privateKeys.get(secretKey);
  if (!key) {
    if (secretKey.length !== nacl.sign.secretKeyLength) throw new SignatureError("secret key must have 64 bytes");
    const seed = Buffer.from(secretKey.subarray(0, 32));
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" });
    privateKeys.set(secretKey, key);
  }
  return key;
}

/** Node KeyObject for a 32-byte public key (cached per key buffer). */
function publicKeyObject(publicKey: Uint8Array): KeyObject {
  let key = publicKeys.get(publicKey);
  if (!key) {
    if (publicKey.length !== nacl.sign.publicKeyLength) throw new SignatureError("public key must have 32 bytes");
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(publicKey)]), format: "der", type: "spki" });
    publicKeys.set(publicKey, key);
  }
  return key;
}

/** Ed25519 signature of `message` (64 bytes). */
export function signDetached(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return new Uint8Array(cryptoSign(null, message, privateKeyObject(secretKey)));
}

/** Whether `signature` is a valid Ed25519 signature of `message` by `publicKey`. */
export function verifyDetached(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return cryptoVerify(null, message, publicKeyObject(publicKey), signature);
}

/** Generates a fresh key pair. */
export function generateKeyPair(): SigningKeyPair {
  const kp = nacl.sign.keyPair();
  return { publicKey: kp.publicKey, secretKey: kp.secretKey };
}

/**
 * Signs zone data, producing the signed-zone envelope: version 2 bound to `binding`, else version 1. With `lthash`
 * (the state of the zone's lines, and for a delta the base's digest) and `binding`: version 3, which carries the
 * text's SHA-256, the LtHash16 digest, the base digest and the state (base64) besides.
 */
export function signZone(
  zone: string,
  serial: number,
  zoneText: string,
  secretKey: Uint8Array,
  timestamp = Date.now(),
  binding?: ZoneRequestBinding,
  textDigest?: string,
  lthash?: { state: LtHash; base?: string },
): SignedZone {
  const sha256 = textDigest ?? zoneTextDigest(zoneText);
  const digests: ZoneLtHashBinding | undefined = lthash && binding ? { lthash: lthash.state.digest(), lthashBase: lthash.base } : undefined;
  const signature = signDetached(signingMessage(zone, serial, timestamp, zoneText, binding, sha256, digests), secretKey);
  const envelope: SignedZone = { type: "zone.data", version: binding ? 2 : 1, zone, serial, timestamp, zoneText, signature: "" };
  if (binding) {
    envelope.nonce = binding.nonce;
    envelope.requester = binding.requester;
  }
  if (digests && lthash) {
    Object.assign(envelope, { version: 3, textSha256: sha256, lthash: digests.lthash, lthashState: lthash.state.serialize().toString("base64") });
    if (digests.lthashBase !== undefined) envelope.lthashBase = digests.lthashBase;
  }
  envelope.signature = Buffer.from(signature).toString("base64");
  return envelope;
}

/**
 * The LtHash16 digests a version 3 envelope is checked with: the digest of the state it carries (the whole state,
 * so a secondary can update it from a delta's lines) and the base digest. Undefined for versions 1 and 2.
 */
function lthashBindingOf(signed: SignedZoneHeader): ZoneLtHashBinding | undefined {
  if (signed.version !== 3) return undefined;
  if (signed.lthashState === undefined) throw new SignatureError(`zone ${signed.zone}: version 3 zone data without its LtHash state`);
  const state = Buffer.from(signed.lthashState, "base64");
  if (state.length !== LTHASH_BYTES) throw new SignatureError(`zone ${signed.zone}: LtHash state has ${state.length} bytes, expected ${LTHASH_BYTES}`);
  return { lthash: createHash("sha256").update(state).digest("hex"), lthashBase: signed.lthashBase };
}

/** The binding a version 2 or 3 envelope carries; undefined for version 1. */
function bindingOf(signed: SignedZoneHeader): ZoneRequestBinding | undefined {
  if (signed.version === 1) return undefined;
  if (signed.nonce === undefined || signed.requester === undefined) {
    throw new SignatureError(`zone ${signed.zone}: version ${signed.version} zone data without nonce or requester`);
  }
  return { nonce: signed.nonce, requester: signed.requester };
}

/** A signed-zone envelope without its text: what a signature over the text's digest can be checked on alone. */
export type SignedZoneHeader = Omit<SignedZone, "zoneText">;

/**
 * Verifies a signed-zone envelope against one or several trusted public keys (key rotation: any of them
 * will do) and returns the index of the key that verified. Throws SignatureError when none does. This
 * checks authenticity only; a fresh reply must also pass {@link checkZoneBinding}. `textDigest`: the
 * {@link zoneTextDigest} of `signed.zoneText` when the caller computed it already (it is not checked here: pass
 * only a digest computed from this very text).
 */
export function verifySignedZone(signed: SignedZone, publicKeys: Uint8Array | readonly Uint8Array[], textDigest?: string): number {
  return verifySignedZoneDigest(signed, textDigest ?? zoneTextDigest(signed.zoneText), publicKeys);
}

/**
 * As {@link verifySignedZone}, for an envelope whose text is not at hand yet: the signature is checked over the
 * digest the text must have (a text sent by reference is then downloaded only for a signature that verifies, and
 * must match that digest). A version 3 envelope is checked over the digest of the LtHash16 state it carries
 * (`lthashState`): a secondary that updated its held state from a delta's lines puts the state it computed there,
 * so lines that differ from the signed ones fail here like a text that differs.
 */
export function verifySignedZoneDigest(header: SignedZoneHeader, textDigest: string, publicKeys: Uint8Array | readonly Uint8Array[]): number {
  const message = signingMessage(header.zone, header.serial, header.timestamp, "", bindingOf(header), textDigest, lthashBindingOf(header));
  const tried = verifyWithAnyKey(message, header.signature, publicKeys, `zone ${header.zone}`);
  if (tried.index >= 0) return tried.index;
  throw new SignatureError(`zone ${header.zone} serial ${header.serial}: signature does not verify with ${tried.keys}`);
}

/** Index of the first key of `publicKeys` that verifies `signature` (base64) over `message`, or -1. */
function verifyWithAnyKey(message: Uint8Array, signature: string, publicKeys: Uint8Array | readonly Uint8Array[], what: string): { index: number; keys: string } {
  const keys = publicKeys instanceof Uint8Array ? [publicKeys] : publicKeys;
  if (keys.length === 0) throw new SignatureError(`${what}: no trusted public key configured`);
  const bytes = Buffer.from(signature, "base64");
  if (bytes.length !== nacl.sign.signatureLength) throw new SignatureError(`${what}: signature has ${bytes.length} bytes, expected 64`);
  const index = keys.findIndex((key) => verifyDetached(message, bytes, key));
  return { index, keys: keys.length === 1 ? "the trusted key" : `any of the ${keys.length} trusted keys` };
}

/** The exact bytes signed for "zone not found": the domain tag, the zone, the signing time and the request binding. */
export function absenceSigningMessage(zone: string, timestamp: number, binding: ZoneRequestBinding): Uint8Array {
  return Buffer.from(`${DOMAIN_ABSENT}\n${zone}\n${timestamp}\n${binding.nonce}\n${binding.requester}`, "utf8");
}

/**
 * Signs that the primary does not have `zone`, bound to the request asking for it (its nonce and requester)
 * and to the time: the evidence a secondary needs before it removes a zone.
 */
export function signZoneAbsence(zone: string, secretKey: Uint8Array, binding: ZoneRequestBinding, timestamp = Date.now()): ZoneAbsence {
  const signature = signDetached(absenceSigningMessage(zone, timestamp, binding), secretKey);
  return { zone, timestamp, nonce: binding.nonce, requester: binding.requester, signature: Buffer.from(signature).toString("base64") };
}

/**
 * Verifies a signed "zone not found" against the trusted keys and checks it answers *this* request: the same
 * nonce and requester, a signing time within the allowed skew. Returns the index of the key that verified;
 * throws SignatureError or ZoneBindingError.
 */
export function verifyZoneAbsence(absence: ZoneAbsence, publicKeys: Uint8Array | readonly Uint8Array[], expected: BindingExpectation): number {
  const what = `absence of zone ${absence.zone}`;
  const tried = verifyWithAnyKey(absenceSigningMessage(absence.zone, absence.timestamp, absence), absence.signature, publicKeys, what);
  if (tried.index < 0) throw new SignatureError(`${what}: signature does not verify with ${tried.keys}`);
  checkBinding(what, absence, absence.timestamp, expected);
  return tried.index;
}

/** What a reply must match: the binding sent, the current time and the allowed clock skew. */
export interface BindingExpectation {
  binding: ZoneRequestBinding;
  /** Milliseconds since the epoch (default: now). */
  now?: number;
  /** Largest allowed |now - timestamp|, ms. */
  maxSkewMs: number;
}

/**
 * Checks that a (signature-verified) reply answers *this* request: version 2, the same nonce and
 * requester as sent, and a signing time within the allowed clock skew. An old signed reply replayed by
 * someone on the path carries an old nonce and is refused (PDNSD_ZONE_REPLAYED).
 */
export function checkZoneBinding(signed: SignedZoneHeader, expected: BindingExpectation): void {
  const got = bindingOf(signed);
  if (!got) throw new ZoneBindingError("PDNSD_ZONE_REPLAYED", `zone ${signed.zone}: reply is not bound to the request (version 1)`);
  checkBinding(`zone ${signed.zone} serial ${signed.serial}`, got, signed.timestamp, expected);
}

/** Checks a reply's binding and signing time against the request sent (`what` names the reply in errors). */
function checkBinding(what: string, got: ZoneRequestBinding, timestamp: number, expected: BindingExpectation): void {
  if (got.nonce !== expected.binding.nonce || got.requester !== expected.binding.requester) {
    throw new ZoneBindingError("PDNSD_ZONE_REPLAYED", `${what}: reply answers another request (nonce or requester differs)`);
  }
  const skew = (expected.now ?? Date.now()) - timestamp;
  if (Math.abs(skew) > expected.maxSkewMs) {
    throw new ZoneBindingError(
      "PDNSD_ZONE_CLOCK_SKEW",
      `${what}: signed ${Math.round(skew / 1000)} s ${skew > 0 ? "ago" : "in the future"}, more than the allowed ${Math.round(expected.maxSkewMs / 1000)} s`,
    );
  }
}

/** Short, stable id of a public key for logs: the first 8 bytes of its SHA-256, hex. */
export function publicKeyId(publicKey: Uint8Array): string {
  return createHash("sha256").update(publicKey).digest("hex").slice(0, 16);
}

/**
 * Writes a key pair: `<base>.key` (secret, mode 0600) and `<base>.pub` (public), base64 text. Missing parent
 * directories are created with mode 0750 (e.g. /etc/pdns-distribute on a machine without the packages).
 */
export function writeKeyPair(basePath: string, kp: SigningKeyPair): { secretFile: string; publicFile: string } {
  const secretFile = `${basePath}.key`;
  const publicFile = `${basePath}.pub`;
  mkdirSync(dirname(basePath), { recursive: true, mode: 0o750 });
  writeFileSync(secretFile, Buffer.from(kp.secretKey).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  chmodSync(secretFile, 0o600);
  writeFileSync(publicFile, Buffer.from(kp.publicKey).toString("base64") + "\n", { mode: 0o644, flag: "wx" });
  return { secretFile, publicFile };
}

/** Decodes a base64 key of `size` bytes; `what` names it in errors. */
export function decodeKey(text: string, size: number, what: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+=*$/.test(trimmed)) throw new KeyFileError(`${what}: not base64`);
  const key = Buffer.from(trimmed, "base64");
  if (key.length !== size) throw new KeyFileError(`${what}: key has ${key.length} bytes, expected ${size}`);
  return new Uint8Array(key);
}

/**
 * Reads a base64 key file holding `size` bytes (64: secret key, 32: public key). A secret key file that
 * group or others can access is refused.
 */
export function readKeyFile(file: string, size: 32 | 64): Uint8Array {
  if (size === 64) assertPrivateFile(file, "secret key file");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KeyFileError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return decodeKey(text, size, file);
}
