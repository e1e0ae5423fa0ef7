// Temp dirs for servers under test, removed on stop or at process exit.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keepTempDirs, registerTempDir, unregisterTempDir } from "./registry";

/**
 * Creates a fresh directory `<tmp>/<prefix>-XXXXXX` (under `HARNESS_TMPDIR` or the OS temp dir) and
 * registers it for removal at process exit. Keep prefixes short: unix socket paths are limited to 107 bytes.
 */
export async function makeTempDir(prefix: string): Promise<string> {
  const base = process.env.HARNESS_TMPDIR || tmpdir();
  const dir = await mkdtemp(join(base, `${prefix}-`));
  registerTempDir(dir);
  return dir;
}

/** Removes a directory made by {@link makeTempDir}, unless `HARNESS_KEEP=1`. */
export async function removeTempDir(dir: string): Promise<void> {
  unregisterTempDir(dir);
  if (keepTempDirs()) return;
  await rm(dir, { recursive: true, force: true });
}
