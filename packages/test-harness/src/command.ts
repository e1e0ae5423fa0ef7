// runCommand: runs a short-lived command (pdnsutil, dig, kdig) to completion and collects its output.

import { execFile } from "node:child_process";
import { resolveProgram } from "./programs";

/** Outcome of a command run to completion. */
export interface CommandResult {
  /** Captured standard output. */
  stdout: string;
  /** Captured standard error. */
  stderr: string;
  /** Exit code (`null` when killed by a signal, e.g. on timeout). */
  code: number | null;
}

/**
 * Runs `file args...` to completion (killed after `timeoutMs`). Resolves with the output and exit code
 * even when the command fails; rejects only when it cannot be spawned (e.g. ENOENT). A bare program name is
 * looked up on PATH and in the sbin directories ({@link resolveProgram}).
 */
export function runCommand(file: string, args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    // Not registered for cleanup: short-lived and bounded by the timeout.
    execFile(resolveProgram(file), args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code === "string") {
        reject(err);
        return;
      }
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}
