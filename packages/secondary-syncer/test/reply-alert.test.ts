// The alert for unverified zone-data replies: every one counted, error lines rate-limited per code.
import pino from "pino";
import { LogRateLimit } from "@pdns-distribute/core";
import { UnverifiedReplyError, unverifiedReplyAlert } from "../src";

test("each unverified reply is counted; one error line per code and interval, with the number held back", () => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const counted: string[] = [];
  let now = 0;
  const alert = unverifiedReplyAlert(logger, (code) => void counted.push(code), new LogRateLimit(10_000, () => now));
  const forged = new UnverifiedReplyError("PDNSD_ZONE_SIGNATURE_INVALID", "forged");
  for (let i = 0; i < 50; i++) alert("a.test.", forged);
  alert("a.test.", new UnverifiedReplyError("PDNSD_ZONE_REPLAYED", "old nonce"));
  now = 10_000;
  alert("b.test.", forged);
  expect(counted).toHaveLength(52);
  expect(lines.map((l) => [l.level, l.zone, l.code, l.heldBack])).toEqual([
    [50, "a.test.", "PDNSD_ZONE_SIGNATURE_INVALID", 0],
    [50, "a.test.", "PDNSD_ZONE_REPLAYED", 0],
    [50, "b.test.", "PDNSD_ZONE_SIGNATURE_INVALID", 49],
  ]);
});
