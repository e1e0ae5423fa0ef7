// Reads files holding secrets (signing keys, NATS credentials, TLS keys) and refuses ones others can read,
// config files with inline secrets included.
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
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

/** Whether users other than the owner and the group can read `file`: its mode lets them and every directory above lets them through. */
function othersCanRead(file: string): boolean {
  let path = resolve(file);
  if ((statSync(path).mode & 0o004) === 0) return false;
  for (let dir = dirname(path); dir !== path; path = dir, dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
  }
  return true;
}

/** The name of user or group `id` in /etc/passwd or /etc/group (first field, third field is the id); else the number. */
function nameOf(id: number, table: "/etc/passwd" | "/etc/group"): string {
  try {
    for (const line of readFileSync(table, "utf8").split("\n")) {
      const [name, , num] = line.split(":");
      if (name && num !== undefined && Number(num) === id) return name;
    }
  } catch {
    /* no such table: the number will do */
  }
  return String(id);
}

/**
 * The command that makes `file` readable by this process and nobody else but its group: `chmod 0640`, preceded by
 * a chown to this process's group when the process reads the file only as one of the "others" (as the daemons'
 * system user does with a root:root file).
 */
function privateConfigFix(file: string): string {
  const st = statSync(file);
  const uid = process.getuid?.() ?? st.uid;
  const groups = [process.getgid?.() ?? st.gid, ...(process.getgroups?.() ?? [])];
  const chmod = `chmod 0640 ${file}`;
  if (uid === 0 || uid === st.uid || groups.includes(st.gid)) return chmod;
  return `chown ${nameOf(st.uid, "/etc/passwd")}:${nameOf(groups[0] as number, "/etc/group")} ${file} && ${chmod}`;
}

/**
 * Throws KeyFileError when the config `file` holds secrets inline (`secretKeys`: the dotted keys that are set, e.g.
 * `nats.password`) and users other than its owner and group can read it. The message names the file, the keys
 * and the exact command that fixes it.
 */
export function assertConfigSecretsPrivate(file: string, secretKeys: readonly string[]): void {
  if (secretKeys.length === 0 || !othersCanRead(file)) return;
  const octal = (statSync(file).mode & 0o777).toString(8).padStart(4, "0");
  throw new KeyFileError(
    `${file} holds secrets (${secretKeys.join(", ")}) and users other than its owner and group can read it (mode ${octal}); run: ${privateConfigFix(file)}`,
  );
}
