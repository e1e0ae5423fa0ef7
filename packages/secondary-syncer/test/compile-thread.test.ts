// The zone-compile worker thread: large zones parsed, checked and compiled off the main thread, answers unchanged.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createLogger } from "@pdns-distribute/core";
import { parseZoneText } from "@pdns-distribute/dns";
import { compileZone, lookup, lookupToText } from "@pdns-distribute/answer";
import { RejectedZoneError, startZoneCompileThread } from "../src";
import type { ZoneCompileThread } from "../src";

// The worker runs its built entry script, as in production (scripts/setup builds it).
const SCRIPT = join(__dirname, "..", "dist", "compile-worker.js");
const logger = createLogger("test", "silent");

function zoneText(n: number): string {
  const lines = ["big.example. 3600 IN SOA ns1.big.example. hostmaster.big.example. 42 3600 300 3600000 300", "big.example. 3600 IN NS ns1.big.example.", "ns1.big.example. 3600 IN A 192.0.2.1"];
  for (let i = 0; i < n; i++) lines.push(`h${i}.big.example. 60 IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return lines.join("\n") + "\n";
}

(existsSync(SCRIPT) ? describe : describe.skip)("zone compile thread", () => {
  let thread: ZoneCompileThread;
  beforeAll(() => {
    thread = startZoneCompileThread({ script: SCRIPT, logger, idleMs: 60_000 });
  });
  afterAll(async () => {
    await thread.close();
  });

  test("compiles a zone on the thread; it answers like one compiled here, and the main thread keeps running", async () => {
    const text = zoneText(50_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const { compiled, records } = await thread.compile("big.example.", text);
    clearInterval(timer);
    expect(records).toBe(50_003);
    const here = compileZone("big.example.", parseZoneText(text));
    for (const name of ["big.example.", "h0.big.example.", "h49999.big.example.", "h50000.big.example."]) {
      expect(lookupToText(lookup(compiled, name, "A"))).toEqual(lookupToText(lookup(here, name, "A")));
    }
    expect(compiled.serial).toBe(42);
    // The event loop was free while the thread worked (a 50,000-record zone takes well over 5 ms to compile).
    expect(ticks).toBeGreaterThan(0);
  });

  test("several zones at once come back to the right callers", async () => {
    const zones = [1, 2, 3].map((k) => zoneText(100 * k).replace(/ 42 /, ` ${k} `));
    const got = await Promise.all(zones.map((t) => thread.compile("big.example.", t)));
    expect(got.map((g) => [g.compiled.serial, g.records])).toEqual([
      [1, 103],
      [2, 203],
      [3, 303],
    ]);
  });

  test("data that cannot be served is rejected as on the main thread (code, message), and the thread goes on", async () => {
    const noSoa = "x.big.example. 60 IN A 192.0.2.1\n";
    await expect(thread.compile("big.example.", noSoa)).rejects.toThrow(RejectedZoneError);
    await expect(thread.compile("big.example.", noSoa)).rejects.toMatchObject({ code: "PDNSD_ZONE_TEXT_INVALID", message: expect.stringMatching(/SOA/) });
    await expect(thread.compile("big.example.", zoneText(1) + "bad.big.example. 60 IN A 999.1.1.1\n")).rejects.toMatchObject({ code: "PDNSD_ZONE_TEXT_INVALID" });
    await expect(thread.compile("big.example.", zoneText(1) + "other.example. 60 IN A 192.0.2.1\n")).rejects.toMatchObject({ message: expect.stringMatching(/outside the zone/) });
    expect((await thread.compile("big.example.", zoneText(5))).records).toBe(8);
  });

  test("the thread stops when idle and starts again on the next zone; a thread that cannot start fails the call", async () => {
    const short = startZoneCompileThread({ script: SCRIPT, logger, idleMs: 50 });
    expect((await short.compile("big.example.", zoneText(3))).records).toBe(6);
    await new Promise((r) => setTimeout(r, 300));
    expect((await short.compile("big.example.", zoneText(4))).records).toBe(7);
    await short.close();
    const broken = startZoneCompileThread({ script: join(__dirname, "no-such-script.js"), logger });
    await expect(broken.compile("big.example.", zoneText(1))).rejects.toThrow(/zone compile thread/);
    await broken.close();
  });
});
