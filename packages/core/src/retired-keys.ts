// Keys a daemon no longer reads: an existing file that sets one keeps its meaning (warning) or is refused (exit 1).
import { isDeepStrictEqual } from "node:util";
import { ConfigError } from "./errors";

/** A parsed TOML file: tables are plain objects. */
export type ConfigTree = Record<string, unknown>;

/**
 * A key that was renamed or removed. `migrate` gets the old value and the whole parsed file (to carry the value
 * over into its new form) and returns the warning to print; it throws ConfigError when the value cannot keep its
 * meaning. The old key is deleted from the file afterwards.
 */
export interface RetiredKey {
  /** Dotted path of the old key, e.g. `nats.stream_replicas`. */
  readonly key: string;
  readonly migrate: (value: unknown, raw: ConfigTree) => string;
}

function isTable(v: unknown): v is ConfigTree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at dotted `path` in `raw`, or undefined. */
export function getPath(raw: ConfigTree, path: string): unknown {
  let node: unknown = raw;
  for (const part of path.split(".")) {
    if (!isTable(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** Sets the value at dotted `path`, creating tables on the way. */
export function setPath(raw: ConfigTree, path: string, value: unknown): void {
  const parts = path.split(".");
  const last = parts.pop() as string;
  let node = raw;
  for (const part of parts) {
    const next = node[part];
    if (!isTable(next)) node[part] = {};
    node = node[part] as ConfigTree;
  }
  node[last] = value;
}

/** Deletes the key at dotted `path`, and its table when that is left empty. */
function deletePath(raw: ConfigTree, path: string): void {
  const parts = path.split(".");
  const last = parts.pop() as string;
  const parent = parts.length === 0 ? raw : getPath(raw, parts.join("."));
  if (!isTable(parent)) return;
  delete parent[last];
  if (parts.length > 0 && Object.keys(parent).length === 0) deletePath(raw, parts.join("."));
}

/** TOML-like text of a value for messages. */
function show(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * `key` is now called `to`: the value moves there (converted by `convert`), with a warning. Both set to different
 * values: refused.
 */
export function renamedKey(key: string, to: string, convert: (value: unknown) => unknown = (v) => v): RetiredKey {
  return {
    key,
    migrate(value, raw) {
      const moved = convert(value);
      const already = getPath(raw, to);
      if (already !== undefined && !isDeepStrictEqual(already, moved)) {
        throw new ConfigError(`${key} is now ${to}, which is set to ${show(already)} already; set only ${to}`);
      }
      setPath(raw, to, moved);
      return `${key} is now ${to} (read as ${to} = ${show(moved)} this time; the old name will stop working): rename it`;
    },
  };
}

/**
 * `key` is no longer read; `now` says what the code does instead (or where the setting went). A value that
 * `keeps` accepts means just that (warning: remove the line); any other value is refused.
 */
export function removedKey(key: string, now: string, keeps: (value: unknown, raw: ConfigTree) => boolean): RetiredKey {
  return {
    key,
    migrate(value, raw) {
      if (!keeps(value, raw)) throw new ConfigError(`${key} = ${show(value)} is no longer supported: ${now}`);
      return `${key} is no longer read (${now}): remove it`;
    },
  };
}

/** {@link removedKey} for a key whose only meaning left is `fixed` (the value the code now always uses). */
export function fixedKey(key: string, fixed: unknown, now: string): RetiredKey {
  return removedKey(key, now, (value) => isDeepStrictEqual(value, fixed));
}

/**
 * Applies `retired` to the parsed file `raw` in place (before validation) and returns one warning per retired
 * key found. Throws ConfigError (`source: …`) for a value that cannot keep its meaning.
 */
export function applyRetiredKeys(raw: ConfigTree, retired: readonly RetiredKey[], source: string): string[] {
  const warnings: string[] = [];
  for (const r of retired) {
    const value = getPath(raw, r.key);
    if (value === undefined) continue;
    try {
      warnings.push(`${source}: ${r.migrate(value, raw)}`);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${source}: ${err.message}`, { cause: err });
      throw err;
    }
    deletePath(raw, r.key);
  }
  return warnings;
}
