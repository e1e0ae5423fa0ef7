// resolveProgram: finds a program on PATH and also in the sbin directories, which a normal user's PATH lacks.
import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";

/**
 * Where Debian installs servers (pdns_server, knotd, nats-server's helpers, unbound …): searched after PATH,
 * because a user who is not root usually has none of them on PATH but may run the programs.
 */
export const SBIN_DIRS: readonly string[] = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute path of `name` found on `pathVar` (default `$PATH`) or else in {@link SBIN_DIRS}; `name` itself
 * when it contains a slash or is found nowhere (spawning it then fails with ENOENT, see {@link programNotFoundHint}).
 */
export function resolveProgram(name: string, pathVar: string = process.env.PATH ?? ""): string {
  if (name.includes("/")) return name;
  for (const dir of [...pathVar.split(":").filter(Boolean), ...SBIN_DIRS]) {
    const file = join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return name;
}

/** What to tell someone when `name` cannot be started: where it was looked for and how to get it. */
export function programNotFoundHint(name: string): string {
  return `${name} was found neither on PATH nor in ${SBIN_DIRS.join(", ")}: run scripts/setup, which installs the Debian packages the tests need`;
}
