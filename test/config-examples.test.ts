// Every daemon's config.example.toml and docs/operations.md list exactly the keys the daemon reads, with its defaults;
// no doc names a key that does not exist; the previous release's examples still load, meaning the same.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { apiProxyConfigSchema, retiredApiProxyKeys } from "@pdns-distribute/api-proxy";
import { frontSyncConfigSchema } from "@pdns-distribute/front-sync";
import { loadConfig, setPath } from "@pdns-distribute/core";
import type { RetiredKey } from "@pdns-distribute/core";
import { healthCheckerConfigSchema, retiredHealthCheckerKeys } from "@pdns-distribute/health-checker";
import { retiredSecondarySyncerKeys, secondarySyncerConfigSchema } from "@pdns-distribute/secondary-syncer";
import { retiredZoneProviderKeys, zoneProviderConfigSchema } from "@pdns-distribute/zone-provider";
import type { z } from "zod";

const ROOT = join(__dirname, "..");
const cases: Array<[string, z.ZodType, readonly RetiredKey[]]> = [
  ["api-proxy", apiProxyConfigSchema, retiredApiProxyKeys],
  ["zone-provider", zoneProviderConfigSchema, retiredZoneProviderKeys],
  ["health-checker", healthCheckerConfigSchema, retiredHealthCheckerKeys],
  ["secondary-syncer", secondarySyncerConfigSchema, retiredSecondarySyncerKeys],
];
/** Daemons newer than 0.1.0: no retired keys, no 0.1.0 example. */
const newCases: Array<[string, z.ZodType, readonly RetiredKey[]]> = [["front-sync", frontSyncConfigSchema, []]];

type Def = { type: string; innerType?: ZodLike; in?: ZodLike; shape?: Record<string, ZodLike> };
type ZodLike = { def: Def };

/** The object schema under defaults and wrappers, or undefined for a leaf. */
function objectOf(schema: ZodLike): Record<string, ZodLike> | undefined {
  let s = schema;
  while (["default", "prefault", "optional", "pipe"].includes(s.def.type)) s = (s.def.innerType ?? s.def.in) as ZodLike;
  return s.def.type === "object" ? s.def.shape : undefined;
}

/** Dotted paths of every leaf key of a schema (`nats.servers`, …). */
function schemaKeys(schema: ZodLike, prefix = ""): string[] {
  const shape = objectOf(schema);
  if (!shape) return [prefix.slice(0, -1)];
  return Object.entries(shape).flatMap(([k, v]) => schemaKeys(v, `${prefix}${k}.`));
}

/** Dotted paths an example sets, or shows commented out (`# id = "ns2"`) inside its table. */
function exampleKeys(text: string): string[] {
  const keys: string[] = [];
  let table = "";
  for (const line of text.split("\n")) {
    const t = /^\[([a-z][a-z0-9_]*)\]$/.exec(line);
    if (t) table = t[1] as string;
    const k = /^(?:# )?([a-z][a-z0-9_]*) = /.exec(line);
    if (k) keys.push(`${table}.${k[1] as string}`);
  }
  return keys;
}

/** Keys the "## Configuration keys" part of docs/operations.md lists for `daemon` (its own and the shared tables). */
function operationsKeys(daemon: string): string[] {
  const text = readFileSync(join(ROOT, "docs", "operations.md"), "utf8");
  const part = text.slice(text.indexOf("## Configuration keys"));
  const keys: string[] = [];
  let heading = "";
  for (const line of part.split("\n").slice(1)) {
    if (line.startsWith("## ")) break;
    if (line.startsWith("### ")) heading = line.slice(4).trim();
    const m = /^- `\[([a-z][a-z0-9_]*)\]`: (.*)$/.exec(line);
    if (!m || (heading !== daemon && heading !== "Every daemon")) continue;
    for (const k of (m[2] as string).matchAll(/`([a-z][a-z0-9_]*)`/g)) keys.push(`${m[1] as string}.${k[1] as string}`);
  }
  return keys;
}

const sorted = (a: string[]) => [...a].sort();

/**
 * Keys whose default changed on purpose since 0.1.0, with the old default the 0.1.0 example shows: a file that sets
 * a key explicitly keeps that value (a changed default never changes what a file says). [proxy] max_body_bytes: 64 MiB
 * → 2 MiB (PowerDNS' webserver-max-bodysize; issue 21).
 */
const CHANGED_DEFAULTS: Record<string, Record<string, unknown>> = { "api-proxy": { "proxy.max_body_bytes": 64 * 1024 * 1024 } };

describe.each([...cases, ...newCases])("%s config", (pkg, schema, retired) => {
  const example = readFileSync(join(ROOT, "packages", pkg, "config.example.toml"), "utf8");
  const keys = sorted(schemaKeys(schema as unknown as ZodLike));

  test("config.example.toml is valid and equals the built-in defaults", () => {
    expect(schema.parse(parse(example))).toEqual(schema.parse({}));
  });

  test("config.example.toml shows every key the daemon reads, and nothing else", () => {
    expect(sorted(exampleKeys(example))).toEqual(keys);
  });

  test("docs/operations.md lists every key the daemon reads, and nothing else", () => {
    expect(sorted(operationsKeys(pkg))).toEqual(keys);
  });

  // Only daemons that existed in 0.1.0 have a 0.1.0 example (newCases have none, so no such test).
  const since010 = cases.some(([name]) => name === pkg) ? test : () => undefined;
  since010("the 0.1.0 example (every old key at its old default) still loads, with one warning per retired key, to the defaults (keys whose default changed: their old value)", () => {
    const file = join(__dirname, "fixtures", "config-examples-0.1.0", `${pkg}.toml`);
    const warnings: string[] = [];
    const expected = schema.parse({}) as Record<string, unknown>;
    for (const [key, old] of Object.entries(CHANGED_DEFAULTS[pkg] ?? {})) setPath(expected, key, old);
    expect(loadConfig(schema, file, retired, (w) => warnings.push(w))).toEqual(expected);
    const oldKeys = exampleKeys(readFileSync(file, "utf8"));
    const gone = oldKeys.filter((k) => !keys.includes(k));
    expect(gone.length).toBeGreaterThan(0);
    expect(warnings).toHaveLength(gone.length);
    for (const k of gone) expect(warnings.some((w) => w.includes(` ${k} `))).toBe(true);
  });
});

describe("docs", () => {
  const current = new Set([...cases, ...newCases].flatMap(([, schema]) => schemaKeys(schema as unknown as ZodLike)));
  const retired = new Set(cases.flatMap(([, , r]) => r.map((k) => k.key)));
  const tables = new Set([...current].map((k) => k.split(".")[0] as string));
  const leaves = new Set([...current, ...retired].map((k) => k.split(".")[1] as string));
  const files = [join(ROOT, "README.md"), ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(ROOT, "docs", f))];

  test.each(files)("%s names only keys that exist (retired ones only in the table of retired keys)", (file) => {
    const text = readFileSync(file, "utf8");
    const retiredTable = text.indexOf("### Renamed and removed keys");
    const unknown: string[] = [];
    // `table.key` and [table] key where key is a key's name (not a message type like `secondary.heartbeat`, nor
    // prose like "[nats] section").
    const refs = [...text.matchAll(/`([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)`/g), ...text.matchAll(/\[([a-z][a-z0-9_]*)\]`? `?([a-z][a-z0-9_]*)/g)].filter((m) => leaves.has(m[2] as string));
    for (const m of refs) {
      const [table, key] = [m[1] as string, m[2] as string];
      if (!tables.has(table) || /^(ts|js|md|toml|conf|json|sqlite3)$/.test(key)) continue;
      const path = `${table}.${key}`;
      const inRetiredTable = retiredTable >= 0 && (m.index ?? 0) > retiredTable && text.indexOf("\n## ", retiredTable) > (m.index ?? 0);
      if (current.has(path) || (inRetiredTable && retired.has(path))) continue;
      unknown.push(path);
    }
    expect(unknown).toEqual([]);
  });
});
