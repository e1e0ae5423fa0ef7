// LtHash16 states of the zone versions the zone-provider keeps, computed from the whole text in the background, 64
// lines per turn of the loop (when they cannot be derived from a delta's lines: lthashAfterDelta in core).
import { LtHash } from "@pdns-distribute/core";

/** A kept version whose LtHash16 state may be known (`lthash`). */
export interface LtHashVersion {
  text: string;
  lthash?: LtHash;
}

/**
 * Computes the states of whole zone texts off the request path, one version at a time, yielding to the event loop
 * after every `chunkLines` lines (each line costs 2048 bytes of SHAKE256: 100,000 lines take seconds). A version
 * is computed once; one no longer wanted (`wanted()` false: evicted from the cache) is dropped.
 */
export class LtHashBackground {
  private readonly queue: Array<{ version: LtHashVersion; wanted: () => boolean; done?: () => void }> = [];
  private readonly pending = new WeakSet<LtHashVersion>();
  private running: Promise<void> | undefined;

  constructor(private readonly chunkLines = 64) {}

  /** Queues `version` unless its state is known or already queued; `done` is called once its state is set. */
  schedule(version: LtHashVersion, wanted: () => boolean, done?: () => void): void {
    if (version.lthash || this.pending.has(version)) return;
    this.pending.add(version);
    this.queue.push({ version, wanted, done });
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once every queued version is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (let job = this.queue.shift(); job; job = this.queue.shift()) {
      const state = await this.compute(job.version.text, job.wanted);
      this.pending.delete(job.version);
      if (!state) continue;
      job.version.lthash = state;
      job.done?.();
    }
  }

  /** The state of `text`'s lines, in chunks; undefined when the version stopped being wanted meanwhile. */
  private async compute(text: string, wanted: () => boolean): Promise<LtHash | undefined> {
    const state = LtHash.empty();
    let start = 0;
    while (start < text.length) {
      for (let n = 0; n < this.chunkLines && start < text.length; n++) {
        let end = text.indexOf("\n", start);
        if (end < 0) end = text.length;
        state.add(text.slice(start, end));
        start = end + 1;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!wanted()) return undefined;
    }
    return state;
  }
}
