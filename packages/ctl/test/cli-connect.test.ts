// The operator CLI gives up on a NATS it cannot reach: a clear message and exit 1, never a wait without end.
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import path from "node:path";

const CLI = path.join(__dirname, "..", "dist", "cli.js");

/** Runs the CLI; resolves with its exit code, stderr and how long it ran. */
function run(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000 }, (err, _stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException & { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === "number" ? code : null, stderr, ms: Date.now() - started });
    });
  });
}

describe("pdns-distribute CLI: NATS not reachable", () => {
  test("a port nobody listens on: exit 1 at once, naming the servers", async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const r = await run(["-s", `nats://127.0.0.1:${port}`, "status"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot connect to NATS at nats://127.0.0.1:${port}`);
  });

  test("a server that accepts but never speaks NATS: exit 1 after the connect timeout (5 s), not later", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const r = await run(["-s", `nats://127.0.0.1:${port}`, "events", "tail"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("cannot connect to NATS");
      expect(r.ms).toBeLessThan(20_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 30_000);
});
