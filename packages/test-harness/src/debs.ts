// The .deb packages of this repository for tests: built by scripts/build-debs when missing or older than their sources.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./command";
import { HarnessError, HarnessErrorCode } from "./errors";

/** Newest modification time of any file below `dir` (0 when missing), skipping node_modules and dist. */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  const st = statSync(dir);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(dir).map((f) => (f === "node_modules" || f === "dist" ? 0 : newest(join(dir, f)))));
}

/**
 * Paths of the .deb files in `<repo>/build/debs`, running `scripts/build-debs --no-lintian` first when fewer than
 * `minCount` are there or anything they are made from (debian/, systemd/, packages/, docs/, the script) is newer.
 */
export async function builtDebs(repo: string, minCount = 5): Promise<string[]> {
  const dir = join(repo, "build", "debs");
  const list = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".deb")).map((f) => join(dir, f)) : []);
  const sources = Math.max(...["debian", "systemd", "packages", "scripts/build-debs", "docs"].map((p) => newest(join(repo, p))));
  const built = list();
  if (built.length < minCount || !built.every((f) => statSync(f).mtimeMs > sources)) {
    const r = await runCommand(join(repo, "scripts", "build-debs"), ["--no-lintian"], 300_000);
    if (r.code !== 0) throw new HarnessError(HarnessErrorCode.CommandFailed, `scripts/build-debs failed:\n${r.stdout}\n${r.stderr}`);
  }
  return list();
}
