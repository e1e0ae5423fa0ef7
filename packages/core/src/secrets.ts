// Reads files holding secrets (signing keys, NATS credentials, TLS keys) and refuses ones others can read.
import { readFileSync, statSync } from "node:fs";
import { KeyFileError } from "./errors";

/**
 * Throws KeyFileError when `file` is readable or writable by group or others: a secret that other local
 * users can read is no longer a secret, so the daemon stops with a clear error instead of using it.
 */
export function assertPrivateFile(file: string, what: string): void {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new KeyFileError(`${what} ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, "0");
    throw new KeyFileError(`${what} ${file} is accessible by group or others (mode ${octal}); run: chmod 600 ${file}`);
  }
}

/** Reads a secret file after checking its permissions. */
export function readSecretFile(file: string, what: string): Buffer {
  assertPrivateFile(file, what);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new KeyFileError(`${what} ${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
}
