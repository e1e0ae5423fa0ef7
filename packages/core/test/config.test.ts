import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, loadConfig, logConfigSchema, natsConfigSchema, retiredNatsKeys } from "@pdns-distribute/core";

const schema = z.object({ nats: natsConfigSchema, log: logConfigSchema }).strict();

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pdnsd-config-"));
  const path = join(dir, "c.toml");
  writeFileSync(path, text);
  return path;
}

describe("loadConfig", () => {
  test("no file gives every default", () => {
    const cfg = loadConfig(schema, undefined);
    expect(cfg.nats.servers).toEqual(["nats://127.0.0.1:4222"]);
    expect(cfg.nats.replicas).toBe(1);
    expect(cfg.log.level).toBe("info");
  });

  test("values from the file override defaults, the rest stay default", () => {
    const cfg = loadConfig(schema, file('[nats]\nservers = ["nats://127.0.0.1:5000"]\n'));
    expect(cfg.nats.servers).toEqual(["nats://127.0.0.1:5000"]);
    expect(cfg.nats.replicas).toBe(1);
  });

  test.each([
    ["[nats]\nservers = 5\n", /nats\.servers/],
    ["[log]\nlevel = \"loud\"\n", /log\.level/],
    ["[nats]\nsurprise = 1\n", /nats.*surprise/],
    ["[nats\n", /not valid TOML/],
    ["[nats]\nreplicas = 0\n", /nats\.replicas/],
  ])("invalid config %j names the key", (text, re) => {
    const path = file(text);
    expect(() => loadConfig(schema, path)).toThrow(ConfigError);
    expect(() => loadConfig(schema, path)).toThrow(re);
  });

  test("a renamed key is read under its new name, with one warning naming both", () => {
    const warnings: string[] = [];
    const cfg = loadConfig(schema, file("[nats]\nstream_replicas = 3\n"), retiredNatsKeys, (w) => warnings.push(w));
    expect(cfg.nats.replicas).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/nats\.stream_replicas is now nats\.replicas/);
  });

  test("a removed key set to what the code now does is dropped with a warning; another value exits with the new form", () => {
    const warnings: string[] = [];
    loadConfig(schema, file('[nats]\nstream = "PDNS_ZONE_EVENTS"\nstream_max_msgs = 1000000\n'), retiredNatsKeys, (w) => warnings.push(w));
    expect(warnings).toEqual([expect.stringMatching(/nats\.stream is no longer read/), expect.stringMatching(/nats\.stream_max_msgs is no longer read/)]);
    const changed = file("[nats]\nstream_max_msgs = 5\n");
    expect(() => loadConfig(schema, changed, retiredNatsKeys, () => undefined)).toThrow(ConfigError);
    expect(() => loadConfig(schema, changed, retiredNatsKeys, () => undefined)).toThrow(/nats\.stream_max_msgs = 5 is no longer supported: .*nats stream edit/);
  });

  test("without the retired list an old key is just unknown", () => {
    expect(() => loadConfig(schema, file("[nats]\nstream_replicas = 3\n"))).toThrow(/stream_replicas/);
  });

  test("missing file", () => {
    expect(() => loadConfig(schema, "/nonexistent/x.toml")).toThrow(/cannot read/);
  });
});
