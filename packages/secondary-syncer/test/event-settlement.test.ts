// Settlement of a failed apply: which failures are redelivered (with what delay) and which are terminated.
import { MAX_UNEXPECTED_DELIVERIES, RejectedZoneError, TransientSyncError, UnverifiedReplyError, settlementOf } from "../src";

describe("settlementOf", () => {
  const max = 3000;
  test("transient failures are always redelivered, the delay doubling from 0.5 s up to the cap", () => {
    const err = new TransientSyncError("zone-provider down");
    expect([1, 2, 3, 50].map((n) => settlementOf(err, n, max))).toEqual([500, 1000, 2000, 3000].map((delayMs) => ({ action: "nak", delayMs })));
  });

  test("replies that did not verify (a rogue responder) are never final: redelivered like transient failures", () => {
    const err = new UnverifiedReplyError("PDNSD_ZONE_SIGNATURE_INVALID", "forged");
    expect([1, 2, 100].map((n) => settlementOf(err, n, max))).toEqual([500, 1000, 3000].map((delayMs) => ({ action: "nak", delayMs })));
  });

  test("rejected data is terminated at once with its code", () => {
    expect(settlementOf(new RejectedZoneError("PDNSD_ZONE_TEXT_INVALID", "bad text"), 1, max)).toEqual({ action: "term", code: "PDNSD_ZONE_TEXT_INVALID", known: true });
  });

  test("an unexpected error is retried for its first deliveries, then terminated", () => {
    const err = new Error("boom");
    expect(settlementOf(err, MAX_UNEXPECTED_DELIVERIES - 1, max)).toEqual({ action: "nak", delayMs: 3000 });
    expect(settlementOf(err, MAX_UNEXPECTED_DELIVERIES, max)).toEqual({ action: "term", code: "PDNSD_SYNC_FAILED", known: false });
  });
});
