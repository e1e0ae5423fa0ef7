// wait-sync: polls the api-proxy's GET /changes/{id}?wait= until the change is INSYNC or the timeout passes.
import { parseDuration } from "@pdns-distribute/core";
import type { ChangeStatus } from "@pdns-distribute/core";

/** Options of {@link waitSync}. */
export interface WaitSyncOptions {
  /** Base URL of the api-proxy, e.g. http://127.0.0.1:8082 */
  url: string;
  timeoutMs: number;
  /** Called with each status received (progress output). */
  onStatus?: (status: ChangeStatus) => void;
}

/** How a wait ended: INSYNC, still PENDING at the timeout, or an error (unknown id, api-proxy unreachable). */
export type WaitSyncResult = { result: "insync" | "timeout"; status: ChangeStatus | undefined } | { result: "error"; message: string };

/** Parses a `--timeout` value (`30s`, `500ms`, `2m`, bare seconds); throws on nonsense. */
export function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`--timeout: not a duration (e.g. 30s): ${text}`);
  return ms;
}

/** One summary line of a change status. */
export function formatChangeStatus(s: ChangeStatus): string {
  const secs = s.secondaries.map((x) => `${x.id}=${x.inSync ? "in sync" : `serving ${x.servedSerial ?? "?"}`}`).join(", ");
  const took = s.propagationMs === null ? "" : ` after ${s.propagationMs} ms`;
  return `${s.id} ${s.status}${took}: ${s.zone} serial ${s.serial ?? "?"}; ${secs || "no active secondary"}`;
}

/** Waits for change `id`; long-polls with ?wait= in steps of at most 10 s, so a lost connection costs little. */
export async function waitSync(id: string, opts: WaitSyncOptions): Promise<WaitSyncResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const base = opts.url.replace(/\/$/, "");
  let last: ChangeStatus | undefined;
  for (let round = 0; round < 100_000; round++) {
    const left = deadline - Date.now();
    const step = Math.max(0, Math.min(10_000, left));
    let res: Response;
    try {
      res = await fetch(`${base}/changes/${encodeURIComponent(id)}?wait=${step}ms`, { signal: AbortSignal.timeout(step + 5000) });
    } catch (err) {
      return { result: "error", message: `api-proxy at ${base} not reachable: ${(err as Error).message}` };
    }
    const body = (await res.json().catch(() => ({}))) as ChangeStatus & { error?: string };
    if (res.status !== 200) return { result: "error", message: `${res.status}: ${body.error ?? "unexpected answer"}` };
    last = body;
    opts.onStatus?.(body);
    if (body.status === "INSYNC") return { result: "insync", status: body };
    if (Date.now() >= deadline) break;
  }
  return { result: "timeout", status: last };
}
