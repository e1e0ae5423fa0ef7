// The outbox relay's state machine (pure): idle, direct (a group published straight to JetStream, later groups
// waiting behind it in memory) or draining (publishing from the outbox); which way each group of events goes.
import { backoffDelayMs } from "@pdns-distribute/core";

/** idle: nothing being published; direct: a group handed straight to JetStream; draining: publishing from the outbox. */
export type RelayMode = "idle" | "direct" | "draining";

/** The relay's state; `T` is one submitted event (with whatever answers its submitter). */
export interface RelayState<T> {
  readonly mode: RelayMode;
  /** Failed drains in a row; reset by any publish the broker acknowledged. */
  readonly failures: number;
  /** direct: the group being published is stored in the outbox already (its ack is late, or its publish failed). */
  readonly spilled: boolean;
  /** direct and not spilled: events submitted meanwhile, waiting in memory in order. */
  readonly behind: readonly T[];
  readonly stopped: boolean;
}

/** What the relay knows besides its state when a transition is made. */
export interface RelayFacts {
  /** NATS is connected (a publisher exists). */
  publisher: boolean;
  /** Entries in the outbox. */
  backlog: number;
}

/** An input of the machine. */
export type RelayInput<T> =
  | { type: "submitted"; events: readonly T[] }
  | { type: "spill" }
  | { type: "direct-done"; samePublisher: boolean }
  | { type: "drain-start" }
  | { type: "published" }
  | { type: "drain-done"; ok: boolean }
  | { type: "stop" };

/** What the relay does next. */
export type RelayAction<T> =
  | { do: "publish"; events: readonly T[] } // straight to JetStream (mode direct)
  | { do: "store"; events: readonly T[] } // into the outbox, for the drain
  | { do: "drain" }
  | { do: "wait-direct" } // a direct publish is running: wait for it first
  | { do: "pause"; ms: number }
  | { do: "nothing" };

/** Timing of the retries. */
export interface RelayTiming {
  retryMinMs: number;
  retryMaxMs: number;
  /** How long an idle relay sleeps when nothing wakes it, ms. */
  idleMs: number;
}

/** The state of a new relay. */
export function initialRelayState<T>(): RelayState<T> {
  return { mode: "idle", failures: 0, spilled: false, behind: [], stopped: false };
}

/** Whether a group may go straight to JetStream: nothing else is being published or waits, so the order is kept. */
function mayPublishDirect<T>(s: RelayState<T>, facts: RelayFacts): boolean {
  return facts.publisher && s.failures === 0 && !s.stopped && facts.backlog === 0;
}

/** The next state and action for `input`. */
export function relayStep<T>(s: RelayState<T>, input: RelayInput<T>, facts: RelayFacts, timing: RelayTiming): { state: RelayState<T>; action: RelayAction<T> } {
  const nothing = { do: "nothing" } as const;
  switch (input.type) {
    case "submitted":
      if (s.mode === "direct" && !s.spilled) return { state: { ...s, behind: [...s.behind, ...input.events] }, action: nothing };
      if (s.mode === "idle" && mayPublishDirect(s, facts)) return { state: { ...s, mode: "direct", spilled: false }, action: { do: "publish", events: input.events } };
      return { state: s, action: { do: "store", events: input.events } };
    case "spill":
      // The direct group goes to the outbox, and what waits behind it right after it.
      return { state: { ...s, spilled: true, behind: [] }, action: { do: "store", events: s.behind } };
    case "direct-done": {
      const idle = { ...s, mode: "idle" as const, spilled: false, behind: [] };
      if (s.behind.length === 0) return { state: idle, action: nothing };
      if (mayPublishDirect(s, facts) && input.samePublisher) return { state: { ...idle, mode: "direct" }, action: { do: "publish", events: s.behind } };
      return { state: idle, action: { do: "store", events: s.behind } };
    }
    case "drain-start":
      if (s.mode === "direct") return { state: s, action: { do: "wait-direct" } };
      return { state: { ...s, mode: "draining" }, action: { do: "drain" } };
    case "published":
      return { state: { ...s, failures: 0 }, action: nothing };
    case "drain-done": {
      const failures = input.ok ? s.failures : s.failures + 1;
      const ms = input.ok ? timing.idleMs : backoffDelayMs(failures, { baseMs: timing.retryMinMs, maxMs: timing.retryMaxMs, maxExponent: 20 });
      return { state: { ...s, mode: "idle", failures }, action: { do: "pause", ms } };
    }
    case "stop":
      return { state: { ...s, stopped: true }, action: nothing };
  }
}
