// Fault tests with NATS down: the api-proxy keeps answering and holds events in its SQLite outbox (also across a
// restart), secondaries keep answering DNS (also after their own restart); everything converges once NATS is back.
import { startLocalCluster } from "@pdns-distribute/test-harness";
import type { LocalCluster, LocalSecondary } from "@pdns-distribute/test-harness";
import { createZone, expectConverged, servedSerial, setVersion } from "./faults-util";

describe("faults: NATS down", () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster();
    for (const z of ["n1.test.", "n2.test."]) await createZone(cluster.api, z);
    await expectConverged(cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("changes succeed while NATS is down, survive an api-proxy SIGKILL in the outbox, and arrive once NATS is back", async () => {
    const before = await Promise.all(cluster.secondaries.map((s) => servedSerial(s, "n1.test.")));
    cluster.nats.kill("SIGKILL");
    await cluster.nats.daemon.exited();

    // The PowerDNS change succeeds for the client; the event waits in the outbox.
    await setVersion(cluster.api, "n1.test.", "while-down-1");
    await createZone(cluster.api, "n3.test.");
    await cluster.apiProxy.waitForLog(/stored in the outbox/, 10_000);

    // Secondaries keep answering what they have, also after a restart of their own without NATS.
    for (const [i, sec] of cluster.secondaries.entries()) expect(await servedSerial(sec, "n1.test.")).toBe(before[i]);
    const sec1 = cluster.secondaries[0] as LocalSecondary;
    await sec1.restart();
    expect(await servedSerial(sec1, "n1.test.")).toBe(before[0]);

    // The api-proxy is killed hard and comes back while NATS is still down: it serves at once.
    cluster.apiProxy.kill("SIGKILL");
    await cluster.apiProxy.exited();
    const proxy = await cluster.restartDaemon("api-proxy");
    expect(proxy.logs()).toMatch(/"outboxPending":2/);
    await setVersion(cluster.api, "n2.test.", "while-down-2");
    await cluster.api.deleteZone("n1.test.");
    await createZone(cluster.api, "n1.test."); // re-created: lower serial than the secondaries hold

    await cluster.nats.restart();
    await proxy.waitForLog(/zone event published from the outbox/, 20_000);
    await expectConverged(cluster, 40_000);
  });
});
