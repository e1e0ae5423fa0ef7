// The outbox relay's state machine: which way each group goes in each mode, and the retry timing.
import { initialRelayState, relayStep } from "../src/relay-state";
import type { RelayFacts, RelayInput, RelayState } from "../src/relay-state";

const timing = { retryMinMs: 250, retryMaxMs: 1000, idleMs: 60_000 };
const up: RelayFacts = { publisher: true, backlog: 0 };
const state = (over: Partial<RelayState<string>> = {}): RelayState<string> => ({ ...initialRelayState<string>(), ...over });
const step = (s: RelayState<string>, input: RelayInput<string>, facts: RelayFacts = up) => relayStep(s, input, facts, timing);

describe("a submitted group", () => {
  test.each<[string, Partial<RelayState<string>>, RelayFacts, string, string]>([
    ["idle, NATS up, nothing waiting: straight to JetStream", {}, up, "publish", "direct"],
    ["idle, NATS not connected: outbox", {}, { publisher: false, backlog: 0 }, "store", "idle"],
    ["idle, the outbox holds older events: outbox (order)", {}, { publisher: true, backlog: 3 }, "store", "idle"],
    ["idle after failed drains: outbox", { failures: 2 }, up, "store", "idle"],
    ["draining: outbox, behind what is drained", { mode: "draining" }, up, "store", "draining"],
    ["direct, its group spilled to the outbox: outbox", { mode: "direct", spilled: true }, up, "store", "direct"],
    ["stopped: outbox", { stopped: true }, up, "store", "idle"],
  ])("%s", (_label, over, facts, action, mode) => {
    const next = step(state(over), { type: "submitted", events: ["e"] }, facts);
    expect(next.action.do).toBe(action);
    expect(next.state.mode).toBe(mode);
  });

  test("direct, its ack not come yet: waits behind in memory, in order", () => {
    let s = state({ mode: "direct", behind: ["a"] });
    const next = step(s, { type: "submitted", events: ["b", "c"] });
    s = next.state;
    expect(next.action).toEqual({ do: "nothing" });
    expect(s.behind).toEqual(["a", "b", "c"]);
  });
});

describe("the direct group", () => {
  test("spilled: what waited behind is stored right after it, and later groups go to the outbox too", () => {
    const spill = step(state({ mode: "direct", behind: ["a", "b"] }), { type: "spill" });
    expect(spill.action).toEqual({ do: "store", events: ["a", "b"] });
    expect(spill.state).toMatchObject({ mode: "direct", spilled: true, behind: [] });
    expect(step(spill.state, { type: "submitted", events: ["c"] }).action).toEqual({ do: "store", events: ["c"] });
  });

  test.each<[string, Partial<RelayState<string>>, RelayFacts, boolean, object]>([
    ["acknowledged, nothing behind: idle", { mode: "direct" }, up, true, { do: "nothing" }],
    ["acknowledged: what waited behind goes the same way", { mode: "direct", behind: ["a"] }, up, true, { do: "publish", events: ["a"] }],
    ["NATS reconnected meanwhile (another publisher): behind to the outbox", { mode: "direct", behind: ["a"] }, up, false, { do: "store", events: ["a"] }],
    ["left entries in the outbox: behind to the outbox after them", { mode: "direct", behind: ["a"] }, { publisher: true, backlog: 1 }, true, { do: "store", events: ["a"] }],
  ])("%s", (_label, over, facts, samePublisher, action) => {
    const next = step(state(over), { type: "direct-done", samePublisher }, facts);
    expect(next.action).toEqual(action);
    expect(next.state.mode).toBe((action as { do: string }).do === "publish" ? "direct" : "idle");
    expect(next.state.behind).toEqual([]);
  });
});

describe("draining", () => {
  test("waits for a direct publish, then drains", () => {
    expect(step(state({ mode: "direct" }), { type: "drain-start" }).action).toEqual({ do: "wait-direct" });
    const next = step(state(), { type: "drain-start" });
    expect(next).toEqual({ state: state({ mode: "draining" }), action: { do: "drain" } });
  });

  test("failed drains back off doubling up to the cap; a publish acknowledged resets it", () => {
    let s = state({ mode: "draining" });
    const pauses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const next = step(s, { type: "drain-done", ok: false });
      s = { ...next.state, mode: "draining" };
      pauses.push((next.action as { ms: number }).ms);
    }
    expect(pauses).toEqual([250, 500, 1000, 1000]);
    s = step(s, { type: "published" }).state;
    expect(s.failures).toBe(0);
    expect(step(s, { type: "drain-done", ok: true })).toEqual({ state: state(), action: { do: "pause", ms: 60_000 } });
  });

  test("stop marks the state stopped", () => {
    expect(step(state(), { type: "stop" }).state.stopped).toBe(true);
  });
});

test("the retry pause doubles and caps (moved here from outbox.test.ts with the formula, now core's backoffDelayMs)", () => {
  const pauseAfter = (failures: number) => (step(state({ mode: "draining", failures: failures - 1 }), { type: "drain-done", ok: false }).action as { ms: number }).ms;
  expect([1, 2, 3, 8, 40].map(pauseAfter)).toEqual([250, 500, 1000, 1000, 1000]);
});
