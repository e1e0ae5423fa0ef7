// Shared start logic of harnessed servers: spawn, poll readiness, fail fast with logs, retry on port clashes.

import { spawnDaemon } from "./daemon";
import type { Daemon, DaemonOptions } from "./daemon";
import { HarnessError, HarnessErrorCode } from "./errors";
import { waitFor } from "./wait";

/** How a server is spawned and when it counts as ready. */
export interface ServerStartSpec {
  /** Options of the underlying daemon. */
  daemon: Partial<DaemonOptions> & Pick<DaemonOptions, "name" | "command">;
  /** Resolves true once the server is ready (exceptions count as "not yet"). */
  ready: () => Promise<boolean>;
  /** Give up after this many milliseconds. */
  timeoutMs: number;
}

/** True when an error from {@link startServerProcess} was caused by a port already in use. */
export function isAddressInUse(err: unknown): boolean {
  return err instanceof Error && /address already in use|EADDRINUSE/i.test(err.message);
}

/**
 * Spawns the server and waits until `ready()` resolves true. If the process exits or the timeout passes
 * first, it is killed and a StartFailed error carrying the last output lines is thrown.
 */
export async function startServerProcess(spec: ServerStartSpec): Promise<Daemon> {
  const daemon = spawnDaemon(spec.daemon);
  const name = spec.daemon.name;
  try {
    await waitFor(
      async () => {
        if (!daemon.running()) throw new HarnessError(HarnessErrorCode.StartFailed, `${name} exited during startup`);
        return spec.ready().catch(() => false);
      },
      { timeoutMs: spec.timeoutMs, intervalMs: 50, what: `${name} to become ready` },
    );
    return daemon;
  } catch (err) {
    await daemon.stop("SIGKILL", 2000);
    const tail = daemon.logLines().slice(-30).join("\n");
    throw new HarnessError(
      HarnessErrorCode.StartFailed,
      `${name} failed to start (${(err as Error).message}); command: ${spec.daemon.command.join(" ")}\n` +
        `last output:\n${tail}`,
      { cause: err },
    );
  }
}

/**
 * Runs `attempt` up to `tries` times while it fails with "address already in use" (a free port was
 * taken by someone else between pick and bind); `attempt` receives the attempt number (0-based).
 */
export async function retryOnAddressInUse<T>(tries: number, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n + 1 >= tries || !isAddressInUse(err)) throw err;
    }
  }
}
