// resolveProgram: servers in /usr/sbin are found for a user whose PATH lacks the sbin directories.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { programNotFoundHint, resolveProgram } from "../src/programs";

describe("resolveProgram", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pdnsd-programs-"));
    writeFileSync(join(dir, "tool"), "#!/bin/sh\n");
    chmodSync(join(dir, "tool"), 0o755);
    writeFileSync(join(dir, "not-executable"), "");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("a program on PATH is found there first", () => {
    expect(resolveProgram("tool", `/nonexistent:${dir}`)).toBe(join(dir, "tool"));
  });

  test("with a normal user's PATH (no sbin), sbin programs are still found", () => {
    // /sbin/ldconfig exists on every Debian system (libc-bin) and is in no normal user's PATH.
    expect(resolveProgram("ldconfig", "/usr/local/bin:/usr/bin:/bin")).toMatch(/^\/(usr\/)?sbin\/ldconfig$/);
  });

  test("a file that is not executable does not count; unknown names and paths stay as given", () => {
    expect(resolveProgram("not-executable", dir)).toBe("not-executable");
    expect(resolveProgram("no-such-program-here", dir)).toBe("no-such-program-here");
    expect(resolveProgram("./relative/tool", dir)).toBe("./relative/tool");
  });

  test("the hint names where it looked and how to install", () => {
    expect(programNotFoundHint("pdns_server")).toBe(
      "pdns_server was found neither on PATH nor in /usr/local/sbin, /usr/sbin, /sbin: run scripts/setup, which installs the Debian packages the tests need",
    );
  });
});
