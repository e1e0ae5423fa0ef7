// spawnDaemon: runs a long-lived child process, captures its output line by line (output-lines.ts), stops it reliably.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { HarnessError, HarnessErrorCode } from "./errors";
import { OutputLines } from "./output-lines";
import type { LogMatcher } from "./output-lines";

export type { LogMatcher };
import { programNotFoundHint, resolveProgram } from "./programs";
import { registerChild } from "./registry";

/** Options of {@link spawnDaemon}. */
export interface DaemonOptions {
  /** Short name used in log prefixes and error messages. */
  name: string;
  /** Executable and arguments, e.g. `["node", "/abs/dist/cli.js", "--config", file]`. */
  command: string[];
  /** Extra environment variables, merged over `process.env` (`undefined` removes a variable). */
  env: Record<string, string | undefined>;
  /** Working directory of the child. */
  cwd: string | undefined;
  /** Echo every output line to our stderr as `[name] line` (default: `HARNESS_VERBOSE=1`). */
  verbose: boolean;
  /** Keep at most this many characters of output; older lines are dropped first. */
  maxLogChars: number;
}

/** Default {@link DaemonOptions} (name and command must be given). */
export function defaultDaemonOptions(): DaemonOptions {
  return {
    name: "daemon",
    command: [],
    env: {},
    cwd: undefined,
    verbose: process.env.HARNESS_VERBOSE === "1",
    maxLogChars: 8 * 1024 * 1024,
  };
}

/** A running child process started by {@link spawnDaemon}. */
export interface Daemon {
  /** Name given in the options. */
  readonly name: string;
  /** The Node.js child process handle. */
  readonly process: ChildProcess;
  /** Process id. */
  readonly pid: number;
  /** True until the process has exited. */
  running(): boolean;
  /** Resolves with the exit code (`null` when ended by a signal) once the process has exited. */
  exited(): Promise<number | null>;
  /** All captured stdout and stderr output, one line per line. */
  logs(): string;
  /** Captured output lines (oldest may be dropped past `maxLogChars`). */
  logLines(): string[];
  /** Number of lines seen so far, including dropped ones; pass as `fromLine` to wait for new lines only. */
  lineCount(): number;
  /**
   * Resolves with the first line (at index ≥ `fromLine`, default 0) that matches; rejects on timeout
   * (default 10 s) or when the process exits first.
   */
  waitForLog(matcher: LogMatcher, timeoutMs?: number, fromLine?: number): Promise<string>;
  /** Sends `signal` (default SIGTERM), SIGKILLs after `timeoutMs` (default 5000), resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Sends a signal (default SIGKILL) without waiting. */
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Spawns `command` with captured output, registered for kill at process exit. A bare program name is looked
 * up on PATH and in the sbin directories ({@link resolveProgram}).
 */
export function spawnDaemon(opts: Partial<DaemonOptions> & Pick<DaemonOptions, "name" | "command">): Daemon {
  const o: DaemonOptions = { ...defaultDaemonOptions(), ...opts };
  const [file, ...args] = o.command;
  if (!file) throw new HarnessError(HarnessErrorCode.StartFailed, `${o.name}: empty command`);
  const program = resolveProgram(file);
  const child = spawn(program, args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let spawnError: Error | undefined;
  child.on("error", (err) => {
    spawnError = err;
  });
  if (child.pid === undefined) {
    const why = program.includes("/") ? "" : `: ${programNotFoundHint(file)}`;
    throw new HarnessError(HarnessErrorCode.StartFailed, `${o.name}: cannot spawn ${file}${why}`, { cause: spawnError });
  }
  registerChild(child);

  const output = new OutputLines(o.name, o.maxLogChars, o.verbose);
  output.capture(child.stdout);
  output.capture(child.stderr);

  const exitPromise = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });
  let markClosed: () => void = () => undefined;
  const closePromise = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  child.once("close", (code, signal) => {
    markClosed();
    output.close(code, signal);
  });

  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const daemon: Daemon = {
    name: o.name,
    process: child,
    pid: child.pid,
    running,
    exited: () => exitPromise,
    logs: () => output.all().join("\n"),
    logLines: () => output.all(),
    lineCount: () => output.count(),
    waitForLog: (matcher, timeoutMs = 10_000, fromLine = 0) => output.waitFor(matcher, timeoutMs, fromLine),
    async stop(signal = "SIGTERM", timeoutMs = 5000) {
      if (!running()) return exitPromise;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const result = await Promise.race([exitPromise, timedOut]);
      clearTimeout(timer);
      if (result === "timeout" && running()) child.kill("SIGKILL");
      const code = await exitPromise;
      // Let the output pipes drain so logs() is complete (bounded: a grandchild may hold them open).
      await Promise.race([closePromise, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      return code;
    },
    kill(signal = "SIGKILL") {
      if (running()) child.kill(signal);
    },
  };
  return daemon;
}
