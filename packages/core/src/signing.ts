// Ed25519 signing of zone data (tweetnacl): the primary signs, secondaries verify with the public key only.
import { createHash } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import nacl from "tweetnacl";
import { KeyFileError, SignatureError } from "./errors";
import type { SignedZone } from "./events";

const DOMAIN = "pdns-distribute zone-data v1";

/** An Ed25519 key pair (64-byte secret key, 32-byte public key). */
export interface SigningKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * The exact bytes that are signed: a domain-separation tag, the zone name, serial, timestamp and
 * the SHA-256 of the zone text, newline-separated. Hashing first keeps signing cheap for huge zones.
 */
export function signingMessage(zone: string, serial: number, timestamp: number, zoneText: string): Uint8Array {
  const digest = createHash("sha256").update(zoneText, "utf8").digest("hex");
  return Buffer.from(`${DOMAIN}\n${zone}\n${serial}\n${timestamp}\n${digest}`, "utf8");
}

/** Generates a fresh key pair. */
export function generateKeyPair(): SigningKeyPair {
  const kp = nacl.sign.keyPair();
  return { publicKey: kp.publicKey, secretKey: kp.secretKey };
}

/** Signs zone data, producing the signed-zone envelope. */
export function signZone(
  zone: string,
  serial: number,
  zoneText: string,
  secretKey: Uint8Array,
  timestamp = Date.now(),
): SignedZone {
  const signature = nacl.sign.detached(signingMessage(zone, serial, timestamp, zoneText), secretKey);
  return {
    type: "zone.data",
    version: 1,
    zone,
    serial,
    timestamp,
    zoneText,
    signature: Buffer.from(signature).toString("base64"),
  };
}

/** Verifies a signed-zone envelope; throws SignatureError when it does not verify. */
export function verifySignedZone(signed: SignedZone, publicKey: Uint8Array): void {
  const signature = Buffer.from(signed.signature, "base64");
  if (signature.length !== nacl.sign.signatureLength) {
    throw new SignatureError(`zone ${signed.zone}: signature has ${signature.length} bytes, expected 64`);
  }
  const message = signingMessage(signed.zone, signed.serial, signed.timestamp, signed.zoneText);
  if (!nacl.sign.detached.verify(message, signature, publicKey)) {
    throw new SignatureError(`zone ${signed.zone} serial ${signed.serial}: signature does not verify`);
  }
}

/** Writes a key pair: `<base>.key` (secret, mode 0600) and `<base>.pub` (public), base64 text. */
export function writeKeyPair(basePath: string, kp: SigningKeyPair): { secretFile: string; publicFile: string } {
  const secretFile = `${basePath}.key`;
  const publicFile = `${basePath}.pub`;
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

/** Reads a base64 key file holding `size` bytes (64: secret key, 32: public key). */
export function readKeyFile(file: string, size: 32 | 64): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KeyFileError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  return decodeKey(text, size, file);
}
