// The recursor's forward-zones file: one zone=servers line per routed zone; rewritten only when it changes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderForwardZones, writeForwardZones } from "../src/forward-zones";

describe("forward-zones file", () => {
  test("renders one line per zone with every forwarder", () => {
    const text = renderForwardZones(["a.example.", "b.example."], ["127.0.0.2:53", "127.0.0.3:53"]);
    expect(text.split("\n").filter((l) => !l.startsWith("#") && l !== "")).toEqual([
      "a.example.=127.0.0.2:53;127.0.0.3:53",
      "b.example.=127.0.0.2:53;127.0.0.3:53",
    ]);
  });

  test("an unchanged file is not rewritten and rec_control is not run; a failing rec_control is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fz-"));
    try {
      const file = join(dir, "forward-zones");
      const text = renderForwardZones(["a.example."], ["127.0.0.2:53"]);
      writeFileSync(file, text);
      const o = { file, recControl: "/bin/false", socketDir: "", timeoutMs: 2000 };
      await expect(writeForwardZones(text, o)).resolves.toBe(false);
      const changed = renderForwardZones(["a.example.", "b.example."], ["127.0.0.2:53"]);
      await expect(writeForwardZones(changed, o)).rejects.toMatchObject({ code: "PDNSD_RECURSOR_RELOAD_FAILED" });
      expect(readFileSync(file, "utf8")).toBe(changed);
      await expect(writeForwardZones(changed, { ...o, recControl: "/bin/true" }, true)).resolves.toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
