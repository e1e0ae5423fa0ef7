// The check loop: jobs run only while acting, on their intervals, once in order after a takeover, never overlapping.
import { serialJob, startCheckLoop } from "@pdns-distribute/health-checker";
import type { LoopJob } from "@pdns-distribute/health-checker";

/** A job that records its runs; each run waits for `release()` when `hold` is set. */
function recordingJob(name: string, intervalMs: number, log: string[], hold = false): LoopJob & { release(): void } {
  let release = () => undefined as void;
  return {
    name,
    intervalMs,
    run: () => {
      log.push(name);
      return hold ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    },
    release: () => release(),
  };
}

/** Advances fake time and lets the promise chains it started settle. */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe("startCheckLoop", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const noError = (job: string, err: unknown) => {
    throw new Error(`${job}: ${String(err)}`);
  };

  test("standing by, nothing runs: not on intervals, not on demand", async () => {
    const log: string[] = [];
    const loop = startCheckLoop({ jobs: [recordingJob("periodic", 1000, log)], takeoverDelayMs: 100, onError: noError });
    await advance(5000);
    await loop.run("periodic");
    expect(log).toEqual([]);
    await loop.stop();
  });

  test("a takeover runs every job once, in order, after the delay; then each on its interval", async () => {
    const log: string[] = [];
    const loop = startCheckLoop({
      jobs: [recordingJob("periodic", 1000, log), recordingJob("dnssec", 3000, log)],
      takeoverDelayMs: 250,
      onError: noError,
    });
    loop.setActive(true);
    await advance(249);
    expect(log).toEqual([]);
    await advance(1);
    expect(log).toEqual(["periodic", "dnssec"]);
    await advance(750); // t = 1000: first periodic tick
    expect(log).toEqual(["periodic", "dnssec", "periodic"]);
    await advance(2000); // t = 3000
    expect(log.filter((j) => j === "periodic")).toHaveLength(4);
    expect(log.filter((j) => j === "dnssec")).toHaveLength(2);
    await loop.stop();
  });

  test("an interval of 0 runs the job only after a takeover and on demand", async () => {
    const log: string[] = [];
    const loop = startCheckLoop({ jobs: [recordingJob("periodic", 0, log)], takeoverDelayMs: 10, onError: noError });
    loop.setActive(true);
    await advance(60_000);
    expect(log).toEqual(["periodic"]);
    await loop.run("periodic");
    expect(log).toEqual(["periodic", "periodic"]);
    await loop.stop();
  });

  test("losing the lock before the delay cancels the takeover runs and stops the interval runs", async () => {
    const log: string[] = [];
    const loop = startCheckLoop({ jobs: [recordingJob("periodic", 1000, log)], takeoverDelayMs: 500, onError: noError });
    loop.setActive(true);
    await advance(100);
    loop.setActive(false);
    expect(loop.active()).toBe(false);
    await advance(10_000);
    expect(log).toEqual([]);
    await loop.stop();
  });

  test("a run never overlaps itself: ticks and demands during a run join it", async () => {
    const log: string[] = [];
    const job = recordingJob("periodic", 1000, log, true);
    const loop = startCheckLoop({ jobs: [job], takeoverDelayMs: 0, onError: noError });
    loop.setActive(true);
    await advance(0);
    await advance(5000); // five ticks while the first run still waits
    const demanded = loop.run("periodic");
    expect(log).toEqual(["periodic"]);
    job.release();
    await demanded;
    await advance(1000);
    expect(log).toEqual(["periodic", "periodic"]);
    job.release();
    await loop.stop();
  });

  test("stop waits for the run in progress and no run starts after it", async () => {
    const log: string[] = [];
    const job = recordingJob("periodic", 1000, log, true);
    const loop = startCheckLoop({ jobs: [job], takeoverDelayMs: 0, onError: noError });
    loop.setActive(true);
    await advance(0);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await advance(0);
    expect(stopped).toBe(false);
    job.release();
    await stopping;
    await loop.run("periodic");
    await advance(5000);
    expect(log).toEqual(["periodic"]);
  });

  test("a job that rejects is reported and the loop goes on", async () => {
    const errors: string[] = [];
    let runs = 0;
    const loop = startCheckLoop({
      jobs: [{ name: "flaky", intervalMs: 1000, run: () => (runs++ === 0 ? Promise.reject(new Error("boom")) : Promise.resolve()) }],
      takeoverDelayMs: 0,
      onError: (job, err) => errors.push(`${job}: ${(err as Error).message}`),
    });
    loop.setActive(true);
    await advance(1000);
    expect(errors).toEqual(["flaky: boom"]);
    expect(runs).toBe(2);
    await loop.stop();
  });

  test("an unknown job name is an error", async () => {
    const loop = startCheckLoop({ jobs: [], takeoverDelayMs: 0, onError: noError });
    await expect(loop.run("nope")).rejects.toThrow("no job nope");
    await loop.stop();
  });
});

describe("serialJob", () => {
  test("calls during a run share it; idle() waits for it", async () => {
    let runs = 0;
    let release = () => undefined as void;
    const job = serialJob(() => {
      runs++;
      return new Promise<void>((r) => (release = r));
    });
    const a = job();
    const b = job();
    expect(a).toBe(b);
    expect(runs).toBe(1);
    const idle = job.idle();
    release();
    await Promise.all([a, idle]);
    await job.idle(); // nothing running: resolves at once
    void job();
    expect(runs).toBe(2);
    release();
  });
});
