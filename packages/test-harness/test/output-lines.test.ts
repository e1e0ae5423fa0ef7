// OutputLines (output-lines.ts): line splitting across chunks, the size bound, waiters, and the end of output.
import { PassThrough } from "node:stream";
import { HarnessTimeoutError } from "../src/errors";
import { OutputLines } from "../src/output-lines";

describe("OutputLines", () => {
  test("splits chunks into lines (a line may span chunks; CRLF and a last line without newline count)", async () => {
    const out = new OutputLines("t", 1000, false);
    const stream = new PassThrough();
    out.capture(stream);
    stream.write("one\r\ntw");
    stream.write("o\nthree");
    stream.end();
    await new Promise((r) => stream.on("end", r));
    expect(out.all()).toEqual(["one", "two", "three"]);
    expect(out.count()).toBe(3);
  });

  test("drops the oldest lines past the bound, still counting them, and waits from a line number", async () => {
    const out = new OutputLines("t", 10, false);
    for (const l of ["aaaa", "bbbb", "cccc"]) out.add(l);
    expect(out.all()).toEqual(["bbbb", "cccc"]);
    expect(out.count()).toBe(3);
    await expect(out.waitFor(/c/, 10, 0)).resolves.toBe("cccc");
    const later = out.waitFor(/c/, 1000, out.count());
    out.add("dd");
    out.add("cc");
    await expect(later).resolves.toBe("cc");
  });

  test("a function matcher also gets the line parsed as JSON (pino output)", async () => {
    const out = new OutputLines("t", 1000, false);
    const ready = out.waitFor((_l, json) => json?.msg === "ready", 1000, 0);
    out.add("not json {");
    out.add('{"msg":"ready","n":1}');
    await expect(ready).resolves.toBe('{"msg":"ready","n":1}');
  });

  test("a waiter times out, or is rejected with the last lines when the output ends", async () => {
    const out = new OutputLines("svc", 1000, false);
    await expect(out.waitFor(/never/, 20, 0)).rejects.toBeInstanceOf(HarnessTimeoutError);
    const waiting = out.waitFor(/never/, 1000, 0);
    out.add("fatal: address in use");
    out.close(1, null);
    await expect(waiting).rejects.toThrow(/svc exited \(code 1, signal null\)[\s\S]*fatal: address in use/);
    await expect(out.waitFor(/never/, 10, 0)).rejects.toThrow(/svc has exited/);
  });
});
