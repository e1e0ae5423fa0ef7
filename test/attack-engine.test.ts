// Issue 21 attacks 1 and 6 against the engine's real server on loopback, through the same modules
// scripts/bench/attack runs (scripts/bench/attacks/*.js; they use the build), asserting the targets.

import { join } from "node:path";

interface AttackResult {
  name: string;
  figures: Record<string, number>;
}
type Attack = { run(opts?: object): Promise<AttackResult> };
const attack = (name: string): Attack => require(join(__dirname, "..", "scripts", "bench", "attacks", name)) as Attack;

test("attack 6: 5,000 random names under one wildcard from one source get ≤ 10 % full (non-TC) answers with the default RRL", async () => {
  const { figures } = await attack("rrl-wildcard.js").run({ names: 5000 });
  expect(figures.fullAnswerShare).toBeLessThanOrEqual(0.1);
  // Not because nothing was answered: rate-limited replies slip out truncated (TC) so real clients retry over TCP.
  expect(figures.truncated).toBeGreaterThan(0);
  expect(figures.fullAnswers).toBeGreaterThan(0);
});

test("attack 1: 40 sources × 50 trickling TCP connections (one /24, then 40 /24s): a client from another prefix gets ≥ 90 % of 30 TCP queries answered", async () => {
  // The pace (a byte every 4 s) against the server's default 2 s message deadline; 12 s of normal queries.
  const { figures } = await attack("tcp-slots.js").run({ seconds: 12, trickleMs: 4000 });
  for (const layout of ["one-prefix", "spread"]) {
    expect([layout, figures[`${layout}.baselineAnswered`]]).toEqual([layout, 1]);
    expect([layout, figures[`${layout}.answeredShare`]]).toEqual([layout, expect.any(Number)]);
    expect(figures[`${layout}.answeredShare`]).toBeGreaterThanOrEqual(0.9);
    // The defences did the work: tricklers were cut at the message deadline.
    expect(figures[`${layout}.cutAtDeadline`]).toBeGreaterThan(0);
  }
  expect(figures["one-prefix.refusedPrefix"]).toBeGreaterThan(0); // one /24 holds at most its share
  expect(figures["spread.evicted"]).toBeGreaterThan(0); // 40 /24s fill every slot: the stalest make room
}, 180_000);
