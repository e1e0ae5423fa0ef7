// The whole cluster runs on a nats-server that requires TLS and user/password authentication.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dig, runCommand, spawnDaemon, startLocalCluster, waitFor } from "@pdns-distribute/test-harness";
import type { LocalCluster } from "@pdns-distribute/test-harness";

/**
 * A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI. nats.js checks a server
 * reached by IP address against the name "localhost", so the certificate names both.
 */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", "/CN=pdnsd test CA", "-keyout", "ca-key.pem", "-out", "ca.pem"]);
  run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=127.0.0.1",
    "-keyout", "server-key.pem", "-out", "server.csr"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2",
    "-extfile", "san.ext", "-out", "server.pem"]);
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server-key.pem") };
}

const CTL = join(__dirname, "..", "packages", "ctl", "dist", "cli.js");

/** A fresh NATS user NKey: its seed (what the client keeps, mode 0600) and its public key (for the server). */
function makeUserNkey(): { seed: string; publicKey: string } {
  // @nats-io/nkeys comes with the NATS client in packages/core.
  const client = require.resolve("@nats-io/nats-core", { paths: [join(__dirname, "..", "packages", "core")] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nkeys = require(require.resolve("@nats-io/nkeys", { paths: [client] })) as {
    createUser(): { getSeed(): Uint8Array; getPublicKey(): string };
  };
  const user = nkeys.createUser();
  return { seed: new TextDecoder().decode(user.getSeed()), publicKey: user.getPublicKey() };
}

/** The INFO line a NATS server sends first, parsed. */
function serverInfo(port: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const sock = tcpConnect(port, "127.0.0.1");
    sock.once("data", (d) => {
      sock.destroy();
      resolve(JSON.parse(d.toString().replace(/^INFO /, "")) as Record<string, unknown>);
    });
    sock.once("error", reject);
  });
}

describe("NATS with TLS and authentication", () => {
  let cluster: LocalCluster;
  const dir = mkdtempSync(join(tmpdir(), "pdnsd-tls-"));
  const certs = makeCerts(dir);
  const operatorNkey = makeUserNkey();

  beforeAll(async () => {
    cluster = await startLocalCluster({
      natsServer: {
        extraConfig:
          `tls {\n  cert_file: "${certs.cert}"\n  key_file: "${certs.key}"\n  timeout: 3\n}\n` +
          `authorization {\n  users = [ { user: "pdnsd", password: "s3cret-pass" }, { nkey: "${operatorNkey.publicKey}" } ]\n}\n`,
      },
      natsExtraToml: `user = "pdnsd"\npassword = "s3cret-pass"\ntls_ca_file = "${certs.ca}"`,
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test("the server demands TLS and auth", async () => {
    const info = await serverInfo(cluster.nats.port);
    expect(info.tls_required).toBe(true);
    expect(info.auth_required).toBe(true);
  });

  test("a zone created through the api-proxy is answered by both secondaries", async () => {
    await cluster.api.createZone("tls.example.", {
      nameservers: ["ns1.tls.example."],
      rrsets: [{ name: "www.tls.example.", type: "A", ttl: 60, records: ["192.0.2.44"] }],
    });
    for (const sec of cluster.secondaries) {
      await waitFor(
        async () => (await dig({ server: sec.address, port: sec.port, qname: "www.tls.example", qtype: "A" })).answer.includes("www.tls.example. 60 IN A 192.0.2.44"),
        { timeoutMs: 15_000, what: `${sec.id} answering over a TLS+auth broker` },
      );
    }
  });

  test("pdns-distribute events tail and status over TLS: --tlsca with --user/--password, or with --nkey", async () => {
    const tls = ["-s", cluster.nats.url, "--tlsca", certs.ca];
    const tail = spawnDaemon({ name: "events-tail", command: ["node", CTL, ...tls, "--user", "pdnsd", "--password", "s3cret-pass", "events", "tail"] });
    try {
      // The tail is subscribed once it has drained its connect; a zone created until an event line shows up.
      await waitFor(
        async () => {
          await cluster.api.createZone(`tail${Date.now()}.tls.example.`, { nameservers: ["ns1.tls.example."] });
          return tail.logLines().some((l) => /"type":"zone\.add".*"zone":"tail\d+\.tls\.example\."/.test(l));
        },
        { timeoutMs: 20_000, intervalMs: 1000, what: "events tail printing a zone.add over TLS" },
      );
    } finally {
      await tail.stop("SIGINT");
    }

    const seedFile = join(dir, "operator.nk");
    writeFileSync(seedFile, `${operatorNkey.seed}\n`, { mode: 0o600 });
    const status = await runCommand("node", [CTL, ...tls, "--nkey", seedFile, "status", "--json"], 20_000);
    expect(`${status.code} ${status.stderr}`).toBe("0 ");
    expect(JSON.parse(status.stdout)).toMatchObject({ type: "health.status" });

    // A seed file others can read is refused, as by the daemons.
    chmodSync(seedFile, 0o644);
    const open = await runCommand("node", [CTL, ...tls, "--nkey", seedFile, "status"], 20_000);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/nats\.nkey_seed_file .*operator\.nk is accessible by group or others \(mode 0644\)/);
  });
});
