// startNatsCluster: n routed nats-server nodes with clustered JetStream on loopback.

import { freePort } from "./ports";
import { startNatsServer } from "./nats-server";
import type { NatsServer, NatsServerOptions } from "./nats-server";
import { waitFor } from "./wait";

/** Options of {@link startNatsCluster}. */
export interface NatsClusterOptions {
  /** Loopback address every node binds. */
  host: string;
  /** Cluster name. */
  name: string;
  /** Prefix of the server names: nodes are `<prefix>1` .. `<prefix>n`. */
  serverNamePrefix: string;
  /** How long to wait for all nodes to agree on a JetStream meta leader. */
  metaLeaderTimeoutMs: number;
  /** Extra options applied to every node (ports, dir and cluster are set by the cluster). */
  server: Partial<NatsServerOptions>;
}

/** Default {@link NatsClusterOptions}. */
export function defaultNatsClusterOptions(): NatsClusterOptions {
  return { host: "127.0.0.1", name: "harness", serverNamePrefix: "n", metaLeaderTimeoutMs: 20_000, server: {} };
}

/** A running cluster started by {@link startNatsCluster}. */
export interface NatsCluster {
  /** The nodes, in order n1..nN. */
  readonly servers: NatsServer[];
  /** Client URLs of all nodes joined with commas (what `connect({servers})` and CLIs accept). */
  readonly urls: string;
  /** Resolves with the meta leader's server name once every running node reports the same, running, one. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  /** Stops every node and removes their dirs. */
  stop(): Promise<void>;
}

interface JszMeta {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

async function metaLeaderOf(server: NatsServer): Promise<string | undefined> {
  try {
    const jsz = (await server.monitor("/jsz")) as JszMeta;
    return jsz.meta_cluster?.leader || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `n` nats-server nodes, each with its own client, cluster and monitoring port and JetStream
 * store, routed to each other, and resolves once JetStream has elected a meta leader.
 */
export async function startNatsCluster(n = 3, opts: Partial<NatsClusterOptions> = {}): Promise<NatsCluster> {
  const o: NatsClusterOptions = { ...defaultNatsClusterOptions(), ...opts };
  const clusterPorts: number[] = [];
  for (let i = 0; i < n; i++) clusterPorts.push(await freePort(o.host));

  const started = await Promise.allSettled(
    clusterPorts.map((clusterPort, i) =>
      startNatsServer({
        ...o.server,
        host: o.host,
        serverName: `${o.serverNamePrefix}${i + 1}`,
        jetstream: true,
        readiness: "tcp",
        cluster: {
          name: o.name,
          port: clusterPort,
          routes: clusterPorts.filter((_, j) => j !== i).map((p) => `${o.host}:${p}`),
        },
      }),
    ),
  );
  const servers = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.all(servers.map((s) => s.stop()));
    throw failed.reason;
  }

  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url).join(","),
    async waitForMetaLeader(timeoutMs = o.metaLeaderTimeoutMs) {
      return waitFor(
        async () => {
          const live = servers.filter((s) => s.daemon.running());
          const leaders = await Promise.all(live.map(metaLeaderOf));
          const first = leaders[0];
          // A node keeps reporting a dead leader until it notices: only accept a running one.
          const isLive = live.some((s) => s.serverName === first);
          return first !== undefined && isLive && leaders.every((l) => l === first) ? first : undefined;
        },
        { timeoutMs, intervalMs: 100, what: `JetStream meta leader in cluster ${o.name}` },
      );
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  try {
    await cluster.waitForMetaLeader();
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
