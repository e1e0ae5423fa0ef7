// Unit tests of the guide parser: marked shell blocks in order, errors for broken markers, site variables.

import { parseDocSteps, siteVariables, stepGroups } from "../src/doc-steps";

const GUIDE = [
  "# Guide",
  "<!-- step: site on: all -->",
  "```sh",
  'A=1   # comment',
  'B="x y"',
  "```",
  "Not a step:",
  "```sh",
  "echo ignored",
  "```",
  "<!-- step: one on: primary -->",
  "```bash",
  "echo one",
  "echo two",
  "```",
  "<!-- step: two on: secondary parallel -->",
  "```sh",
  "echo three",
  "```",
].join("\n");

describe("parseDocSteps", () => {
  test("returns the marked blocks in order with their role and line", () => {
    expect(parseDocSteps(GUIDE)).toEqual([
      { name: "site", on: "all", script: 'A=1   # comment\nB="x y"', line: 3, parallel: false },
      { name: "one", on: "primary", script: "echo one\necho two", line: 12, parallel: false },
      { name: "two", on: "secondary", script: "echo three", line: 17, parallel: true },
    ]);
  });

  test("stepGroups puts a parallel step with the one before it", () => {
    expect(stepGroups(parseDocSteps(GUIDE)).map((g) => g.map((s) => s.name))).toEqual([["site"], ["one", "two"]]);
  });

  test.each([
    ["a marker without a block", "<!-- step: x on: primary -->\ntext\n"],
    ["an unclosed block", "<!-- step: x on: primary -->\n```sh\necho\n"],
    ["a name used twice", "<!-- step: x on: a -->\n```sh\n```\n<!-- step: x on: b -->\n```sh\n```\n"],
  ])("throws on %s", (_what, text) => {
    expect(() => parseDocSteps(text)).toThrow(/step x/);
  });
});

describe("siteVariables", () => {
  test("reads NAME=value and NAME=\"quoted value\", ignoring comments", () => {
    expect(siteVariables('A=1   # comment\nB="x y"\n# C=3')).toEqual({ A: "1", B: "x y" });
  });
});
