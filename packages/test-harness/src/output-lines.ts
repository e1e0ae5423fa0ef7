// OutputLines: a child's captured output, line by line and bounded, with waiters for a matching line.

import { HarnessError, HarnessErrorCode, HarnessTimeoutError } from "./errors";

/**
 * Decides whether a log line matches: a RegExp, or a function that also receives the line parsed as
 * JSON when it is a JSON object (pino output), else `undefined`.
 */
export type LogMatcher = RegExp | ((line: string, json: Record<string, unknown> | undefined) => boolean);

interface Waiter {
  test: (line: string) => boolean;
  resolve: (line: string) => void;
  reject: (err: Error) => void;
}

function toTest(matcher: LogMatcher): (line: string) => boolean {
  if (matcher instanceof RegExp) return (line) => matcher.test(line);
  return (line) => {
    let json: Record<string, unknown> | undefined;
    if (line.startsWith("{")) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    return matcher(line, json);
  };
}

/** Output lines of process `name`, at most `maxChars` characters kept (oldest lines dropped first). */
export class OutputLines {
  private readonly lines: string[] = [];
  private readonly waiters = new Set<Waiter>();
  private dropped = 0;
  private chars = 0;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly maxChars: number,
    private readonly echo: boolean,
  ) {}

  /** Reads `stream` as UTF-8 text, one line per `\n` (a trailing `\r` removed). */
  capture(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() as string;
      for (const part of parts) this.add(part.endsWith("\r") ? part.slice(0, -1) : part);
    });
    stream.on("end", () => {
      if (partial) this.add(partial);
      partial = "";
    });
  }

  /** Keeps `line` and resolves the waiters it matches. */
  add(line: string): void {
    this.lines.push(line);
    this.chars += line.length + 1;
    while (this.chars > this.maxChars && this.lines.length > 1) {
      this.chars -= (this.lines.shift() as string).length + 1;
      this.dropped++;
    }
    if (this.echo) process.stderr.write(`[${this.name}] ${line}\n`);
    for (const w of this.waiters) {
      if (w.test(line)) {
        this.waiters.delete(w);
        w.resolve(line);
      }
    }
  }

  /** The output has ended (the process exited): every waiter is rejected with the last lines. */
  close(code: number | null, signal: NodeJS.Signals | null): void {
    this.closed = true;
    const err = new HarnessError(
      HarnessErrorCode.ProcessExited,
      `${this.name} exited (code ${code}, signal ${signal}) while waiting for a log line; last output:\n` + this.lines.slice(-20).join("\n"),
    );
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  /** Lines kept. */
  all(): string[] {
    return this.lines.slice();
  }

  /** Lines seen so far, dropped ones included. */
  count(): number {
    return this.dropped + this.lines.length;
  }

  /** The first line at index ≥ `fromLine` that matches; rejects after `timeoutMs` or when the output ends first. */
  waitFor(matcher: LogMatcher, timeoutMs: number, fromLine: number): Promise<string> {
    const test = toTest(matcher);
    for (const line of this.lines.slice(Math.max(0, fromLine - this.dropped))) if (test(line)) return Promise.resolve(line);
    if (this.closed) {
      return Promise.reject(new HarnessError(HarnessErrorCode.ProcessExited, `${this.name} has exited; no log line matches ${String(matcher)}`));
    }
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new HarnessTimeoutError(`timed out after ${timeoutMs} ms waiting for ${this.name} log ${String(matcher)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }
}
