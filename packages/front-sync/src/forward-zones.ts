// pdns-recursor's forward-zones file: rendered from the routed zones, written atomically, then `rec_control reload-zones`.
import { execFile } from "node:child_process";
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { RecursorReloadError } from "./errors";

/** The file's text: one `zone=server;server` line per zone (non-recursive forwarding to authoritative servers). */
export function renderForwardZones(zones: readonly string[], forwarders: readonly string[]): string {
  const head = "# Written by pdns-distribute-front-sync: the zones the secondaries serve. Do not edit; it is rewritten whole.\n";
  const servers = forwarders.join(";");
  return head + zones.map((z) => `${z}=${servers}\n`).join("");
}

/** Options of {@link writeForwardZones}. */
export interface RecursorReloadOptions {
  file: string;
  recControl: string;
  socketDir: string;
  timeoutMs: number;
}

/**
 * Writes `text` to the forward-zones file (temp file + rename) unless it already holds it, then asks the
 * recursor to reload its zones (which also wipes its cache for the zones that changed). Returns false when
 * nothing had to be done.
 */
export async function writeForwardZones(text: string, o: RecursorReloadOptions, force = false): Promise<boolean> {
  const current = await readFile(o.file, "utf8").catch(() => undefined);
  if (current === text && !force) return false;
  try {
    const tmp = `${o.file}.tmp`;
    await writeFile(tmp, text);
    await chmod(tmp, 0o644); // readable by the recursor's user whatever our umask (the unit's is 0027)
    await rename(tmp, o.file);
  } catch (err) {
    throw new RecursorReloadError(`cannot write ${o.file}: ${(err as Error).message}`, { cause: err });
  }
  await reloadZones(o);
  return true;
}

/** Runs `rec_control [--socket-dir=…] reload-zones`. */
export function reloadZones(o: RecursorReloadOptions): Promise<void> {
  return recControl(o, ["reload-zones"]);
}

/** Runs `rec_control wipe-cache zone$ …` (each zone and every name below it), 100 zones per call. */
export async function wipeCache(o: RecursorReloadOptions, zones: readonly string[]): Promise<void> {
  for (let i = 0; i < zones.length; i += 100) await recControl(o, ["wipe-cache", ...zones.slice(i, i + 100).map((z) => `${z}$`)]);
}

function recControl(o: RecursorReloadOptions, command: string[]): Promise<void> {
  const args = [...(o.socketDir === "" ? [] : [`--socket-dir=${o.socketDir}`]), `--timeout=${Math.ceil(o.timeoutMs / 1000)}`, ...command];
  return new Promise((resolve, reject) => {
    execFile(o.recControl, args, { timeout: o.timeoutMs }, (err, stdout, stderr) => {
      if (err) {
        const detail = `${stderr}${stdout}`.trim() || err.message;
        reject(new RecursorReloadError(`${o.recControl} ${command[0]} failed: ${detail}`, { cause: err }));
      } else resolve();
    });
  });
}
