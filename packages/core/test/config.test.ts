import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, loadConfig, logConfigSchema, natsConfigSchema } from "@pdns-distribute/core";

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
    expect(cfg.nats.stream).toBe("PDNS_ZONE_EVENTS");
    expect(cfg.log.level).toBe("info");
  });

  test("values from the file override defaults, the rest stay default", () => {
    const cfg = loadConfig(schema, file('[nats]\nservers = ["nats://127.0.0.1:5000"]\n'));
    expect(cfg.nats.servers).toEqual(["nats://127.0.0.1:5000"]);
    expect(cfg.nats.stream_replicas).toBe(1);
  });

  test.each([
    ["[nats]\nservers = 5\n", /nats\.servers/],
    ["[log]\nlevel = \"loud\"\n", /log\.level/],
    ["[nats]\nsurprise = 1\n", /nats.*surprise/],
    ["[nats\n", /not valid TOML/],
    ["[nats]\nstream_replicas = 0\n", /nats\.stream_replicas/],
  ])("invalid config %j names the key", (text, re) => {
    const path = file(text);
    expect(() => loadConfig(schema, path)).toThrow(ConfigError);
    expect(() => loadConfig(schema, path)).toThrow(re);
  });

  test("missing file", () => {
    expect(() => loadConfig(schema, "/nonexistent/x.toml")).toThrow(/cannot read/);
  });
});
