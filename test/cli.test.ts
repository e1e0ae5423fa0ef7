// Each daemon is a commander CLI: --help, --version, and a broken config names the key and exits non-zero.
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { daemonCli, runCommand } from "@pdns-distribute/test-harness";

const DAEMONS = ["api-proxy", "zone-provider", "health-checker", "secondary-syncer"] as const;
const dir = mkdtempSync(join(tmpdir(), "pdnsd-cli-"));

function conf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe.each(DAEMONS)("pdns-distribute-%s", (pkg) => {
  const cli = daemonCli(pkg);

  test("--version prints the package version", async () => {
    const r = await runCommand("node", [cli, "--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(cli, "..", "..", "package.json"), "utf8")) as { version: string }).version);
  });

  test("--help documents --config", async () => {
    const r = await runCommand("node", [cli, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--config <file>/);
  });

  test.each([
    ["an unknown key", "[nats]\nservers = [\"nats://127.0.0.1:1\"]\nbogus = 1\n", /nats.*bogus/],
    ["a wrong type", "[log]\nlevel = 3\n", /log\.level/],
    ["broken TOML", "[nats\n", /not valid TOML/],
  ])("%s: names the problem and exits 1", async (_what, text, re) => {
    const r = await runCommand("node", [cli, "--config", conf(`${pkg}-${_what.replace(/ /g, "-")}.toml`, text)], 15_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).toMatch(/PDNSD_CONFIG_INVALID/);
  });

  test("a missing config file exits 1", async () => {
    const r = await runCommand("node", [cli, "--config", join(dir, "nope.toml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read/);
  });
});

describe("keygen", () => {
  test("writes a 0600 secret key and refuses to overwrite", async () => {
    const base = join(dir, "k");
    const cli = daemonCli("zone-provider");
    expect((await runCommand("node", [cli, "keygen", "--out", base])).code).toBe(0);
    expect(statSync(`${base}.key`).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(`${base}.pub`, "utf8").trim(), "base64")).toHaveLength(32);
    const again = await runCommand("node", [cli, "keygen", "--out", base]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite/);
  });

  test("creates missing parent directories (mode 0750), as for /etc/pdns-distribute on a fresh machine", async () => {
    const base = join(dir, "fresh", "etc", "pdns-distribute", "zone-signing");
    const r = await runCommand("node", [daemonCli("zone-provider"), "keygen", "--out", base]);
    expect(`${r.code} ${r.stderr}`).toBe("0 ");
    expect(statSync(join(dir, "fresh", "etc", "pdns-distribute")).mode & 0o777).toBe(0o750 & ~process.umask());
    expect(statSync(`${base}.key`).mode & 0o777).toBe(0o600);
  });

  test("a secret key file readable by others stops the zone-provider with a clear error", async () => {
    const base = join(dir, "open");
    const cli = daemonCli("zone-provider");
    expect((await runCommand("node", [cli, "keygen", "--out", base])).code).toBe(0);
    chmodSync(`${base}.key`, 0o644);
    const path = conf("open-key.toml", `[signing]\nprivate_key_file = "${base}.key"\n[nats]\nservers = ["nats://127.0.0.1:1"]\n`);
    const r = await runCommand("node", [cli, "--config", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/accessible by group or others \(mode 0644\); run: chmod 600/);
  });

  test("a secondary with a bad public key exits 1 naming the key", async () => {
    const keyFile = join(dir, "bad.pub");
    writeFileSync(keyFile, "AAAA\n");
    const path = conf("bad-key.toml", `[signing]\npublic_key_files = ["${keyFile}"]\n`);
    const r = await runCommand("node", [daemonCli("secondary-syncer"), "--config", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signing\.public_key_files\[0\]/);
  });

  test("a retired key whose value would change meaning exits 1 naming the new form, before anything starts", async () => {
    const path = conf("inline-key.toml", `[signing]\npublic_key = "${Buffer.alloc(32, 1).toString("base64")}"\n`);
    const r = await runCommand("node", [daemonCli("secondary-syncer"), "--config", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signing\.public_key = .* is no longer supported: .*signing\.public_key_files/);
    expect(r.stdout).toBe(""); // no log line: nothing started
  });
});
