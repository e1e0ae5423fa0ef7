// No import cycle in packages/*/src (issue 19): scripts/check-cycles on this tree passes, and it catches a planted cycle.

import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { makeTempDir, removeTempDir } from "@pdns-distribute/test-harness";

const run = promisify(execFile);
const SCRIPT = join(__dirname, "..", "scripts", "check-cycles");

test("the workspace packages import each other without a cycle", async () => {
  const { stdout } = await run(SCRIPT, []);
  expect(stdout).toMatch(/ 0 import cycle\(s\)\n$/);
});

test("a cycle through a package entry and a type-only import is reported with exit status 1", async () => {
  const root = await makeTempDir("cycles");
  try {
    await mkdir(join(root, "packages", "p", "src"), { recursive: true });
    await mkdir(join(root, "packages", "q", "src"), { recursive: true });
    await writeFile(join(root, "packages", "p", "src", "index.ts"), 'export { b } from "./b";\n');
    await writeFile(join(root, "packages", "p", "src", "b.ts"), 'import type { Q } from "@pdns-distribute/q";\nexport const b = 1 as unknown as Q;\n');
    await writeFile(join(root, "packages", "q", "src", "index.ts"), 'import { b } from "@pdns-distribute/p";\nexport type Q = typeof b;\n');
    const failed = await run(SCRIPT, [root]).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain("cycle: packages/p/src/b.ts → packages/q/src/index.ts → packages/p/src/index.ts → packages/p/src/b.ts");
  } finally {
    await removeTempDir(root);
  }
});
