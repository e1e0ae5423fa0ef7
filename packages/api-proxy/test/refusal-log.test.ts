// Refusals are logged rate-limited per kind, with the count of those not logged.
import { createLogger } from "@pdns-distribute/core";
import { createRefusalLog } from "../src/refusal-log";

test("the first refusal of a kind is logged, then at most one per interval with the number left out", () => {
  const logger = createLogger("test", "silent");
  const lines: Array<Record<string, unknown>> = [];
  logger.warn = ((fields: Record<string, unknown>) => void lines.push(fields)) as typeof logger.warn;
  let t = 0;
  const log = createRefusalLog(logger, 1000, () => t);
  for (let i = 0; i < 50; i++) log.note("credentials", { i });
  log.note("body_too_large", { i: 99 });
  t = 1000;
  log.note("credentials", { i: 100 });
  expect(lines).toEqual([
    { i: 0, reason: "credentials" },
    { i: 99, reason: "body_too_large" },
    { i: 100, reason: "credentials", alsoRefusedSinceLastLine: 49 },
  ]);
});
