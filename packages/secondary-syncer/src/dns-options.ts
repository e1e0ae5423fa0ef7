// The answer engine's server options from the secondary's [dns] config, shared by the main process and workers.
import { hostname } from "node:os";
import { createAddressMatcher, createServerCookies } from "@pdns-distribute/answer";
import type { ServerCookies } from "@pdns-distribute/answer";
import type { startDnsServer } from "@pdns-distribute/answer";
import { TCP_IDLE_TIMEOUT_MS, UDP_RECEIVE_BUFFER_BYTES } from "./config";
import type { SecondarySyncerConfig } from "./config";

/** Options of startDnsServer. */
type DnsServerOptions = Parameters<typeof startDnsServer>[0];

/**
 * Server options for `zones` on `port` (the configured one, or the one a worker was handed). `cookieSecret`: the
 * master secret of DNS cookies, shared by the DNS workers (dns-workers.ts); absent: a random one for this process.
 */
export function dnsServerOptions(
  cfg: SecondarySyncerConfig,
  port: number,
  zones: DnsServerOptions["zones"],
  logger: DnsServerOptions["logger"],
  onQuery?: DnsServerOptions["onQuery"],
  onTcpRefused?: DnsServerOptions["onTcpRefused"],
  cookieSecret?: Buffer,
): DnsServerOptions {
  return {
    address: cfg.dns.listen_address,
    port,
    zones,
    logger,
    tcpIdleTimeoutMs: TCP_IDLE_TIMEOUT_MS,
    maxTcpConnections: cfg.dns.max_tcp_connections,
    transferAllowed: createAddressMatcher(cfg.dns.axfr_allow),
    udpReceiveBufferBytes: UDP_RECEIVE_BUFFER_BYTES,
    rrl: { responsesPerSecond: cfg.dns.rrl_responses_per_second, slip: cfg.dns.rrl_slip, windowSeconds: cfg.dns.rrl_window, exempt: cfg.dns.rrl_exempt },
    maxTcpConnectionsPerClient: cfg.dns.max_tcp_connections_per_client,
    udpIo: cfg.dns.udp_io,
    // Workers each bind their own batch socket on the port (the kernel spreads datagrams over them).
    udpReusePort: cfg.dns.workers > 1,
    nsid: nsidOf(cfg.dns.nsid),
    cookies: cookiesOf(cfg, cookieSecret),
    onQuery,
    onTcpRefused,
  };
}

/** The NSID to send for `[dns] nsid` (RFC 5001): off (false), the host name (true), or the configured text. */
export function nsidOf(value: boolean | string): Buffer | null {
  if (value === false) return null;
  return Buffer.from(value === true ? hostname() : value, "utf8");
}

/** DNS cookies for `[dns] cookies` and `cookie_rotation_s` (null: off), from `secret` or a random master secret. */
export function cookiesOf(cfg: SecondarySyncerConfig, secret?: Buffer): ServerCookies | null {
  if (!cfg.dns.cookies) return null;
  const rotationSeconds = cfg.dns.cookie_rotation_s;
  return createServerCookies(secret === undefined ? { rotationSeconds } : { rotationSeconds, secret });
}
