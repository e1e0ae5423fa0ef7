// The Lua sent to dnsdist's console: safe string literals and the add-then-remove rule replacement.
import { currentDigestLua, expungeLua, luaString, replaceRuleLua } from "../src/dnsdist-rule";

describe("dnsdist rule Lua", () => {
  test("luaString keeps plain names and escapes every other byte as \\ddd", () => {
    expect(luaString("example.org.")).toBe('"example.org."');
    expect(luaString('a"b\\c.')).toBe('"a\\034b\\092c."');
    expect(luaString("x\n]].")).toBe('"x\\010\\093\\093."');
    expect(luaString("é.")).toBe('"\\195\\169."');
  });

  test("the new rule is added before the old one is removed, and the digest recorded", () => {
    const lua = replaceRuleLua(["a.example.", "b.example."], "abc", { pool: "auth", ruleName: "zones" });
    expect(lua).toContain('n:add({"a.example.","b.example."})');
    const add = lua.indexOf("addAction(SuffixMatchNodeRule(n, true), PoolAction(\"auth\")");
    const rm = lua.indexOf('rmRule("zones" .. "-" .. old)');
    expect(add).toBeGreaterThan(0);
    expect(rm).toBeGreaterThan(add);
    expect(lua).toContain('pdnsDistributeRuleDigest = "abc"');
    expect(currentDigestLua()).toBe('return pdnsDistributeRuleDigest or "none"');
    const then = replaceRuleLua(["a.example."], "abc", { pool: "auth", ruleName: "zones" }, "expunge()").split("\n");
    expect(then.slice(-2)).toEqual(["expunge()", 'return "ok " .. pdnsDistributeRuleGeneration']);
  });

  test("large sets are added in chunks of 1000 names", () => {
    const zones = Array.from({ length: 2500 }, (_, i) => `z${i}.example.`);
    const lua = replaceRuleLua(zones, "d", { pool: "p", ruleName: "r" });
    expect(lua.match(/n:add\(/g)).toHaveLength(3);
  });

  test("expungeLua drops each zone and every name below it from each pool's cache, or empties them; nothing for no zones", () => {
    expect(expungeLua([], ["p", ""])).toBe("");
    const lua = expungeLua(["a.example."], ["p", ""]);
    expect(lua).toContain('for _, p in ipairs({"p", ""}) do');
    expect(lua).toContain("local c = getPool(p):getCache()");
    expect(lua).toContain('c:expungeByName(newDNSName("a.example."), DNSQType.ANY, true)');
    expect(expungeLua("all", ["p"])).toContain("c:expunge(0)");
  });
});
