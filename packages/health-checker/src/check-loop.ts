// When the acting checker runs its jobs: on intervals, once after taking the lock, never two of one job at once.

/** A job of the check loop (the periodic check, the DNSSEC upkeep…). */
export interface LoopJob {
  name: string;
  /** Milliseconds between runs; 0: only after a takeover and on demand. */
  intervalMs: number;
  /** One run; it reports its own result (log, metrics). */
  run(): Promise<void>;
}

/** Options of {@link startCheckLoop}. */
export interface CheckLoopOptions {
  /** Jobs, in the order they run after a takeover. */
  jobs: readonly LoopJob[];
  /** Delay between taking the lock and the first runs (lets heartbeats arrive first), ms. */
  takeoverDelayMs: number;
  /** Called when a run rejects anyway (a bug in a job): the loop goes on. */
  onError(job: string, err: unknown): void;
}

/** The running loop; jobs run only while it acts. */
export interface CheckLoop {
  /** Acting (this checker holds the lock) or standing by. Becoming active schedules one run of every job. */
  setActive(active: boolean): void;
  /** Whether it acts. */
  active(): boolean;
  /** Runs the named job now (joins its run in progress); resolves at once when standing by. */
  run(name: string): Promise<void>;
  /** Stops the timers and waits for the runs in progress. */
  stop(): Promise<void>;
}

/** A job that never overlaps itself: a call while it runs joins the running one; `idle()` waits for it. */
export function serialJob(fn: () => Promise<void>): (() => Promise<void>) & { idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = () => (running ??= fn().finally(() => (running = undefined)));
  return Object.assign(run, { idle: async () => void (await running) });
}

/**
 * Starts the loop (standing by). Every job with an interval runs on it while active; after each takeover,
 * once `takeoverDelayMs` has passed, every job runs once, one after the other in the given order.
 */
export function startCheckLoop(opts: CheckLoopOptions): CheckLoop {
  let acting = false;
  let stopped = false;
  const guarded = (j: LoopJob) => async () => {
    if (!acting || stopped) return;
    await j.run().catch((err: unknown) => opts.onError(j.name, err));
  };
  const jobs = new Map(opts.jobs.map((j) => [j.name, serialJob(guarded(j))]));
  const runJob = (name: string): Promise<void> => jobs.get(name)?.() ?? Promise.reject(new Error(`no job ${name}`));
  const timers = opts.jobs.filter((j) => j.intervalMs > 0).map((j) => setInterval(() => void runJob(j.name), j.intervalMs));
  let takeover: NodeJS.Timeout | undefined;
  const runAllInOrder = async () => {
    for (const j of opts.jobs) await runJob(j.name);
  };
  return {
    setActive(next) {
      if (next === acting) return;
      acting = next;
      clearTimeout(takeover);
      if (acting) takeover = setTimeout(() => void runAllInOrder(), opts.takeoverDelayMs);
    },
    active: () => acting,
    run: runJob,
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      clearTimeout(takeover);
      await Promise.all([...jobs.values()].map((j) => j.idle()));
    },
  };
}
