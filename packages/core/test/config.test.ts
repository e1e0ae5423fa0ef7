import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, KeyFileError, NATS_SECRET_KEYS, loadConfig, logConfigSchema, natsConfigSchema, retiredNatsKeys } from "@pdns-distribute/core";

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

describe("loadConfig: inline secrets in a file others can read", () => {
  /** `text` in a directory of mode `dirMode`, the file of mode `fileMode`. */
  function placed(text: string, fileMode: number, dirMode = 0o755): string {
    const path = file(text);
    chmodSync(path, fileMode);
    chmodSync(join(path, ".."), dirMode);
    return path;
  }
  const withSchema = z.object({ nats: natsConfigSchema, powerdns: z.object({ api_key: z.string().default("") }).prefault({}) }).strict();

  test.each([
    ['[nats]\npassword = "s3cret"\n', "nats.password"],
    ['[nats]\ntoken = "t0ken"\n', "nats.token"],
  ])("%j at mode 0644 is refused, naming the file, the key and the fix (chmod alone: this process owns the file)", (text, key) => {
    const path = placed(text, 0o644);
    expect(() => loadConfig(schema, path)).toThrow(KeyFileError);
    expect(() => loadConfig(schema, path)).toThrow(
      `${path} holds secrets (${key}) and users other than its owner and group can read it (mode 0644); run: chmod 0640 ${path}`,
    );
  });

  test("a daemon's own secret keys count too (the health-checker's powerdns.api_key)", () => {
    const path = placed('[powerdns]\napi_key = "k"\n', 0o604);
    expect(() => loadConfig(withSchema, path)).not.toThrow();
    expect(() => loadConfig(withSchema, path, [], undefined, [...NATS_SECRET_KEYS, "powerdns.api_key"])).toThrow(/holds secrets \(powerdns\.api_key\).*mode 0604/);
  });

  test.each([
    ["0640: group may read, others not", '[nats]\npassword = "s3cret"\n', 0o640, 0o755],
    ["0644 in a directory others cannot enter", '[nats]\npassword = "s3cret"\n', 0o644, 0o700],
    ["0644 without any secret", '[nats]\nuser = "me"\n', 0o644, 0o755],
  ])("accepted: %s", (_what, text, fileMode, dirMode) => {
    expect(() => loadConfig(schema, placed(text, fileMode, dirMode))).not.toThrow();
  });
});
