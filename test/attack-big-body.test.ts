// Attack (issue 21 item 2) against real PowerDNS and the real api-proxy: 5 concurrent 50 MB bodies with a wrong key,
// declared (Content-Length) then chunked. A valid write still gets its answer within 2 s; the proxy stays under 400 MB.
// The attack itself is scripts/bench/attacks/big-body.js (also run by scripts/bench/attack).

interface Wave {
  valid: Array<{ status: number | string; ms: number }>;
  attackers: string[];
}
interface BigBodyFigures {
  validWriteStatus: Array<number | string>;
  validWriteMs: number;
  proxyPeakRssMb: number;
  waves: { declared: Wave; chunked: Wave };
}
const attack = require("../scripts/bench/attacks/big-body.js") as { run(opts: { maxBodyBytes?: number }): Promise<{ name: string; figures: BigBodyFigures }> };

describe("attack: big unauthenticated bodies", () => {
  test.each([
    ["the default limit (2 MiB): declared bodies 413 before reading, chunked ones 401 before reading", undefined],
    ["a limit raised to 128 MiB (as for large zones): every body 401 before reading (the key check)", 128 * 1024 * 1024],
  ])("%s", async (_label, maxBodyBytes) => {
    const { name, figures } = await attack.run({ maxBodyBytes });
    process.stdout.write(`${name} (max_body_bytes ${maxBodyBytes ?? "default"}): ${JSON.stringify(figures)}\n`);
    expect(figures.validWriteStatus).toEqual([204, 204, 204, 204]);
    expect(figures.validWriteMs).toBeLessThan(2000);
    expect(figures.proxyPeakRssMb).toBeLessThan(400);
    // No attacker waited for a write slot (503) or was read to the end: refused, or cut off after the refusal.
    for (const outcome of [...figures.waves.declared.attackers, ...figures.waves.chunked.attackers]) {
      expect(["413", "401", "EPIPE", "ECONNRESET"]).toContain(outcome);
    }
    // With a limit above the bodies' size, only the key check stands between them and a write slot.
    if (maxBodyBytes !== undefined) expect([...figures.waves.declared.attackers, ...figures.waves.chunked.attackers]).not.toContain("413");
  }, 180_000);
});
