// The secondary's trusted keys: one list of files; older forms carried over or refused with the new form.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "@pdns-distribute/core";
import { retiredSecondarySyncerKeys, secondarySyncerConfigSchema, trustedPublicKeys } from "@pdns-distribute/secondary-syncer";

const dir = mkdtempSync(join(tmpdir(), "pdnsd-secondary-config-"));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.toml`);
  writeFileSync(path, text);
  return path;
}
function load(text: string): { cfg: ReturnType<typeof secondarySyncerConfigSchema.parse>; warnings: string[] } {
  const warnings: string[] = [];
  const cfg = loadConfig(secondarySyncerConfigSchema, file(text), retiredSecondarySyncerKeys, (w) => warnings.push(w));
  return { cfg, warnings };
}
const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");

describe("secondary-syncer [signing]", () => {
  test("default: the one key file keygen's .pub is installed as", () => {
    expect(secondarySyncerConfigSchema.parse({}).signing.public_key_files).toEqual(["/etc/pdns-distribute/zone-signing.pub"]);
  });

  test("every listed file is read; a bad one is named by its index", () => {
    const [a, b] = [join(dir, "a.pub"), join(dir, "b.pub")];
    writeFileSync(a, `${key(1)}\n`);
    writeFileSync(b, "not a key\n");
    const good = load(`[signing]\npublic_key_files = ["${a}"]\n`).cfg;
    expect(trustedPublicKeys(good)).toEqual([new Uint8Array(32).fill(1)]);
    const bad = load(`[signing]\npublic_key_files = ["${a}", "${b}"]\n`).cfg;
    expect(() => trustedPublicKeys(bad)).toThrow(/signing\.public_key_files\[1\]/);
  });

  test("an empty list is refused (nothing could ever verify)", () => {
    expect(() => load("[signing]\npublic_key_files = []\n")).toThrow(/signing\.public_key_files/);
  });

  test("0.1.0 form: public_key_file alone becomes a one-file list, with a warning", () => {
    const { cfg, warnings } = load('[signing]\npublic_key_file = "/k/old.pub"\npublic_key = ""\npublic_keys = []\n');
    expect(cfg.signing.public_key_files).toEqual(["/k/old.pub"]);
    expect(warnings).toHaveLength(3);
    expect(warnings.join("\n")).toMatch(/signing\.public_key_file is now signing\.public_key_files/);
  });

  test("0.1.0 form: public_key_file beside public_key_files was ignored then and is now (warning)", () => {
    const { cfg, warnings } = load('[signing]\npublic_key_file = "/k/old.pub"\npublic_key_files = ["/k/a.pub", "/k/b.pub"]\n');
    expect(cfg.signing.public_key_files).toEqual(["/k/a.pub", "/k/b.pub"]);
    expect(warnings).toEqual([expect.stringMatching(/public_key_file is no longer read \(it was ignored/)]);
  });

  test("0.1.0 inline keys cannot keep their meaning: exit with the new form", () => {
    for (const text of [`[signing]\npublic_key = "${key(2)}"\n`, `[signing]\npublic_keys = ["${key(2)}"]\n`]) {
      expect(() => load(text)).toThrow(ConfigError);
      expect(() => load(text)).toThrow(/is no longer supported: keys are read from files only: .*signing\.public_key_files/);
    }
  });
});
