// Parses and compiles large zones on a worker thread, so the DNS server on the main thread keeps answering meanwhile.
import { join } from "node:path";
import { parentPort, Worker } from "node:worker_threads";
import type { Logger } from "@pdns-distribute/core";
import { compiledZoneFromParts, compiledZoneToParts, compileZone, ZoneCompileError } from "@pdns-distribute/answer";
import type { CompiledZone, CompiledZoneParts } from "@pdns-distribute/answer";
import { parseSignedZoneRecords, RejectedZoneError } from "./apply";

/** The worker's entry script, next to this module (dist/, or the .deb's bundle directory). */
export const COMPILE_WORKER_SCRIPT = join(__dirname, "compile-worker.js");

interface CompileRequest {
  id: number;
  zone: string;
  zoneText: string;
}

type CompileReply =
  | { id: number; parts: CompiledZoneParts; records: number }
  | { id: number; error: { message: string; code?: string; rejected: boolean } };

/** The worker's loop: each request parsed and checked as apply.ts does, compiled, and sent back without copying. */
export function runZoneCompileWorker(): void {
  const port = parentPort;
  if (!port) throw new Error("zone-compile worker: no parent port");
  port.on("message", (req: CompileRequest) => {
    let reply: CompileReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const records = parseSignedZoneRecords(req);
      const out = compiledZoneToParts(compileZone(req.zone, records));
      reply = { id: req.id, parts: out.parts, records: records.length };
      transfer = out.transfer;
    } catch (err) {
      const e = err as Error & { code?: string };
      const rejected = err instanceof RejectedZoneError || err instanceof ZoneCompileError;
      const code = err instanceof ZoneCompileError ? "PDNSD_ZONE_TEXT_INVALID" : e.code;
      reply = { id: req.id, error: { message: e.message, code, rejected } };
    }
    port.postMessage(reply, transfer);
  });
}

/** Options of {@link startZoneCompileThread}. */
export interface ZoneCompileThreadOptions {
  /** Script the worker runs (one calling runZoneCompileWorker); default {@link COMPILE_WORKER_SCRIPT}. */
  script?: string;
  /** The thread ends after this long without work (its heap is given back; it starts again when needed), ms; default 5 s. */
  idleMs?: number;
  logger: Logger;
}

/** A worker thread compiling zones one after another. */
export interface ZoneCompileThread {
  /**
   * Parses, checks and compiles `zoneText` of `zone` off the main thread. Rejects with RejectedZoneError when the
   * data cannot be served (as apply.ts would have), with a plain Error when the thread failed.
   */
  compile(zone: string, zoneText: string): Promise<{ compiled: CompiledZone; records: number }>;
  close(): Promise<void>;
}

/** Starts the compile thread lazily: nothing runs until the first compile. */
export function startZoneCompileThread(opts: ZoneCompileThreadOptions): ZoneCompileThread {
  const idleMs = opts.idleMs ?? 5_000;
  let worker: Worker | undefined;
  let nextId = 1;
  let idleTimer: NodeJS.Timeout | undefined;
  const pending = new Map<number, { resolve: (r: { compiled: CompiledZone; records: number }) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error): void => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const ensure = (): Worker => {
    if (worker) return worker;
    const w = new Worker(opts.script ?? COMPILE_WORKER_SCRIPT, { argv: [] });
    w.on("message", (reply: CompileReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if ("error" in reply) {
        const { message, code, rejected } = reply.error;
        p.reject(rejected ? new RejectedZoneError(code ?? "PDNSD_ZONE_TEXT_INVALID", message) : new Error(`zone compile thread: ${message}`));
      } else {
        try {
          p.resolve({ compiled: compiledZoneFromParts(reply.parts), records: reply.records });
        } catch (err) {
          p.reject(new Error(`zone compile thread: ${(err as Error).message}`));
        }
      }
      if (pending.size === 0) idle();
    });
    w.on("error", (err) => {
      opts.logger.error({ err: err.message }, "zone compile thread failed");
      if (worker === w) worker = undefined;
      failAll(new Error(`zone compile thread failed: ${err.message}`));
    });
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      if (pending.size > 0) failAll(new Error(`zone compile thread exited (code ${code})`));
    });
    worker = w;
    return w;
  };
  const idle = (): void => {
    worker?.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const w = worker;
      worker = undefined;
      if (w && pending.size === 0) void w.terminate();
    }, idleMs);
    idleTimer.unref();
  };

  return {
    compile(zone, zoneText) {
      clearTimeout(idleTimer);
      const w = ensure();
      w.ref();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, zone, zoneText } satisfies CompileRequest);
      });
    },
    async close() {
      clearTimeout(idleTimer);
      const w = worker;
      worker = undefined;
      failAll(new Error("zone compile thread closed"));
      if (w) await w.terminate();
    },
  };
}
