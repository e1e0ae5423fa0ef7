// Lua sent to dnsdist's console: replace the rule that sends the routed zones to the secondaries' pool.

/** What the rule looks like: pool and rule name from the config. */
export interface DnsdistRuleOptions {
  pool: string;
  ruleName: string;
}

/** Lua global (inside dnsdist) holding the number of the rule now in place. */
const GEN = "pdnsDistributeRuleGeneration";
/** Lua global (inside dnsdist) holding the digest of the zone set of the rule now in place. */
const DIGEST = "pdnsDistributeRuleDigest";

/** A Lua string literal for `s`: plain characters as they are, every other byte as a decimal escape. */
export function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._*-]/.test(c) ? c : `\\${byte.toString().padStart(3, "0")}`;
  }
  return out + '"';
}

/**
 * Lua that puts a new rule (zones → pool) in place of the previous one, under `<ruleName>-<n+1>`: added
 * first, then the old one removed, so no query falls between the two. Rules are appended, so operator rules
 * written in dnsdist's config (dproxy routes) come first; `after` (e.g. cache expunges) runs once the new rule is in
 * place. Returns `ok <generation>` on the console.
 */
export function replaceRuleLua(zones: readonly string[], digest: string, o: DnsdistRuleOptions, after = ""): string {
  const names = zones.map(luaString);
  const chunks: string[] = [];
  for (let i = 0; i < names.length; i += 1000) chunks.push(`n:add({${names.slice(i, i + 1000).join(",")}})`);
  return [
    "local n = newSuffixMatchNode()",
    ...chunks,
    `local old = ${GEN} or 0`,
    `${GEN} = old + 1`,
    `addAction(SuffixMatchNodeRule(n, true), PoolAction(${luaString(o.pool)}), {name=${luaString(o.ruleName)} .. "-" .. ${GEN}})`,
    `if old > 0 then rmRule(${luaString(o.ruleName)} .. "-" .. old) end`,
    `${DIGEST} = ${luaString(digest)}`,
    ...(after === "" ? [] : [after]),
    `return "ok " .. ${GEN}`,
  ].join("\n");
}

/** Lua that returns the digest of the zone set dnsdist routes now (`none` after a dnsdist restart). */
export function currentDigestLua(): string {
  return `return ${DIGEST} or "none"`;
}

/**
 * Lua that drops the cached answers for `zones` (and every name below them) from the packet caches of `pools`;
 * `"all"` empties those caches. Nothing for no zones.
 */
export function expungeLua(zones: readonly string[] | "all", pools: readonly string[]): string {
  if (zones.length === 0 || pools.length === 0) return "";
  const drop = zones === "all" ? ["    c:expunge(0)"] : zones.map((z) => `    c:expungeByName(newDNSName(${luaString(z)}), DNSQType.ANY, true)`);
  return [
    `for _, p in ipairs({${pools.map(luaString).join(", ")}}) do`,
    "  local c = getPool(p):getCache()",
    "  if c then",
    ...drop,
    "  end",
    "end",
  ].join("\n");
}
