// HTTPS for the api-proxy: the configured certificate, or a self-signed one created (once) with the openssl CLI.
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ConfigError, PdnsdError, readSecretFile } from "@pdns-distribute/core";
import type { Logger } from "@pdns-distribute/core";

/** The `[proxy]` keys that decide HTTPS. */
export interface ProxyTlsConfig {
  /** true, false or "auto" (HTTPS unless listening on a loopback address). */
  tls: boolean | "auto";
  listen_address: string;
  tls_cert_file: string;
  tls_key_file: string;
}

/** PEM certificate and key to serve HTTPS with. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Creating the self-signed certificate failed (openssl missing or failing). */
export class SelfSignedCertificateError extends PdnsdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("PDNSD_TLS_CERTIFICATE_FAILED", message, options);
    this.name = "SelfSignedCertificateError";
  }
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and "localhost": nothing but this host can reach them. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  return a === "localhost" || a === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(a);
}

/** Whether the proxy serves HTTPS for this config (pure). */
export function tlsWanted(cfg: Pick<ProxyTlsConfig, "tls" | "listen_address" | "tls_cert_file">): boolean {
  if (cfg.tls === "auto") return cfg.tls_cert_file !== "" || !isLoopbackAddress(cfg.listen_address);
  return cfg.tls;
}

const run = promisify(execFile);

/**
 * Creates an ECDSA P-256 self-signed certificate valid for 825 days for this host's name and the listen
 * address. Node has no API that makes certificates, so this runs `openssl req -x509` (Debian's openssl
 * package; no extra npm dependency, fast, and the key never passes through our process' arguments).
 */
async function createSelfSigned(dir: string, listenAddress: string, certFile: string, keyFile: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const host = hostname();
  const san = [`DNS:${host}`, "DNS:localhost", "IP:127.0.0.1", "IP:::1"];
  if (isIP(listenAddress) !== 0 && listenAddress !== "0.0.0.0" && listenAddress !== "::") san.push(`IP:${listenAddress}`);
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "825"];
  args.push("-subj", `/CN=${host}`, "-addext", `subjectAltName=${san.join(",")}`, "-keyout", keyFile, "-out", certFile);
  try {
    await run("openssl", args, { timeout: 30_000, env: { ...process.env, OPENSSL_CONF: "/dev/null" } });
  } catch (err) {
    throw new SelfSignedCertificateError(`cannot create a self-signed certificate with openssl: ${(err as Error).message}`, { cause: err });
  }
  chmodSync(keyFile, 0o600);
}

/**
 * The certificate to serve, or null for plain HTTP. With tls_cert_file/tls_key_file set they are used (the
 * key must be mode 0600); otherwise a self-signed certificate in `selfSignedDir` is reused or created,
 * and the log says so with its SHA-256 fingerprint (for clients to pin).
 */
export async function resolveProxyTls(cfg: ProxyTlsConfig, selfSignedDir: string, logger: Logger): Promise<TlsMaterial | null> {
  if (!tlsWanted(cfg)) return null;
  if ((cfg.tls_cert_file === "") !== (cfg.tls_key_file === "")) {
    throw new ConfigError("proxy.tls_cert_file and proxy.tls_key_file: set both or neither");
  }
  if (cfg.tls_cert_file !== "") {
    let cert: Buffer;
    try {
      cert = readFileSync(cfg.tls_cert_file);
    } catch (err) {
      throw new ConfigError(`proxy.tls_cert_file: cannot read ${cfg.tls_cert_file}: ${(err as Error).message}`, { cause: err });
    }
    return { cert, key: readSecretFile(cfg.tls_key_file, "proxy.tls_key_file") };
  }
  const certFile = join(selfSignedDir, "api-proxy-selfsigned.crt");
  const keyFile = join(selfSignedDir, "api-proxy-selfsigned.key");
  const created = !existsSync(certFile) || !existsSync(keyFile);
  if (created) await createSelfSigned(selfSignedDir, cfg.listen_address, certFile, keyFile);
  const material = { cert: readFileSync(certFile), key: readSecretFile(keyFile, "self-signed TLS key") };
  const x509 = new X509Certificate(material.cert);
  logger.warn(
    { certFile, fingerprint256: x509.fingerprint256, validTo: x509.validTo, subjectAltName: x509.subjectAltName },
    created
      ? "no TLS certificate configured: created a self-signed certificate (set proxy.tls_cert_file/tls_key_file for a real one)"
      : "no TLS certificate configured: using the self-signed certificate created earlier",
  );
  return material;
}
