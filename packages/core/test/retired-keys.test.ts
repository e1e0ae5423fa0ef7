// Retired config keys: renamed ones move with a warning, removed ones keep their meaning or are refused.
import { ConfigError, applyRetiredKeys, fixedKey, removedKey, renamedKey } from "@pdns-distribute/core";
import type { ConfigTree } from "@pdns-distribute/core";

const retired = [
  renamedKey("a.old", "b.new"),
  renamedKey("a.list", "b.files", (v) => [v]),
  fixedKey("c.window_ms", 100, "the window is always 100 ms"),
  removedKey("c.dir", "files go next to c.database", (v, raw) => v === (raw.c as ConfigTree | undefined)?.database),
];

describe("applyRetiredKeys", () => {
  test("nothing retired in the file: no warnings, file unchanged", () => {
    const raw = { a: { kept: 1 } };
    expect(applyRetiredKeys(raw, retired, "f.toml")).toEqual([]);
    expect(raw).toEqual({ a: { kept: 1 } });
  });

  test("a renamed key moves (converted), its emptied table goes, one warning names file, old and new key", () => {
    const raw: ConfigTree = { a: { old: 3, list: "x.pub" } };
    const warnings = applyRetiredKeys(raw, retired, "f.toml");
    expect(raw).toEqual({ b: { new: 3, files: ["x.pub"] } });
    expect(warnings).toEqual([
      expect.stringMatching(/^f\.toml: a\.old is now b\.new .*rename it$/),
      expect.stringMatching(/^f\.toml: a\.list is now b\.files \(read as b\.files = \["x\.pub"\]/),
    ]);
  });

  test("renamed key and new key both set: the same value is fine, different values are refused", () => {
    expect(applyRetiredKeys({ a: { old: 3 }, b: { new: 3 } }, retired, "f")).toHaveLength(1);
    expect(() => applyRetiredKeys({ a: { old: 3 }, b: { new: 1 } }, retired, "f")).toThrow(ConfigError);
    expect(() => applyRetiredKeys({ a: { old: 3 }, b: { new: 1 } }, retired, "f")).toThrow(/f: a\.old is now b\.new, which is set to 1 already/);
  });

  test("a removed key with the value the code now uses is dropped with a warning, the rest of its table stays", () => {
    const raw: ConfigTree = { c: { window_ms: 100, other: true } };
    expect(applyRetiredKeys(raw, retired, "f")).toEqual(["f: c.window_ms is no longer read (the window is always 100 ms): remove it"]);
    expect(raw).toEqual({ c: { other: true } });
  });

  test("a removed key with any other value is refused, naming the key, the value and what to do instead", () => {
    expect(() => applyRetiredKeys({ c: { window_ms: 5 } }, retired, "f")).toThrow("f: c.window_ms = 5 is no longer supported: the window is always 100 ms");
  });

  test("whether a value keeps its meaning may depend on the rest of the file", () => {
    expect(applyRetiredKeys({ c: { dir: "/d", database: "/d" } }, retired, "f")).toHaveLength(1);
    expect(() => applyRetiredKeys({ c: { dir: "/e", database: "/d" } }, retired, "f")).toThrow(/c\.dir = "\/e" is no longer supported: files go next to c\.database/);
  });
});
