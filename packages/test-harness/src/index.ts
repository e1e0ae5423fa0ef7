// @pdns-distribute/test-harness: start real nats-server and pdns_server instances for tests.

export { daemonCli, defaultLocalClusterOptions, startLocalCluster } from "./cluster";
export { runCommand } from "./command";
export { builtDebs } from "./debs";
export {
  debianMirror,
  debianRootCacheFile,
  defaultDebianRootOptions,
  machineTestBlockers,
  mirrorBlocker,
  prepareDebianRoot,
  unpackedDebianRoot,
} from "./debian-root";
export { parseDocSteps, siteVariables, stepGroups } from "./doc-steps";
export { createMachine, createTestLan, digOnLan, sweepStaleMachines } from "./machines";
export { defaultDaemonOptions, spawnDaemon } from "./daemon";
export { dig, kdig, normalizeRecordLine, parseDigOutput } from "./dig";
export { HarnessError, HarnessErrorCode, HarnessTimeoutError, PdnsApiError } from "./errors";
export { defaultNatsClusterOptions, startNatsCluster } from "./nats-cluster";
export { defaultNatsServerOptions, renderNatsConfig, startNatsServer } from "./nats-server";
export { defaultPdnsOptions, pdnsSettings, startPdns } from "./pdns";
export { absoluteName, defaultPdnsApiOptions, pdnsApi, zoneId } from "./pdns-api";
export { freePort } from "./ports";
export { SBIN_DIRS, programNotFoundHint, resolveProgram } from "./programs";
export { httpGetJson, probeTcp } from "./probes";
export { defaultKnotOptions, renderKnotConfig, startKnot } from "./knot";
export { defaultDnsdistOptions, renderDnsdistHead, startDnsdist } from "./dnsdist";
export { encodeQuery, runUdpLoad } from "./dns-load";
export { defaultRecursorOptions, renderRecursorHead, startRecursor } from "./recursor";
export {
  FRONT_INTERNET_ZONE,
  FRONT_ROUTE_ZONE,
  FRONT_DNSDIST_CONF,
  renderFrontDnsdistConfig,
  renderFrontRecursorSettings,
  renderFrontSyncConfig,
  startLocalFront,
} from "./front";
export { killAllChildren, listChildPids, runningChildren } from "./registry";
export { makeTempDir, removeTempDir } from "./temp-dir";
export { defaultWaitForOptions, sleep, waitFor } from "./wait";

export type { LocalCluster, LocalClusterOptions, LocalSecondary } from "./cluster";
export type { CommandResult } from "./command";
export type { Daemon, DaemonOptions, LogMatcher } from "./daemon";
export type { DebianRootOptions } from "./debian-root";
export type { DigQuery, DigResult } from "./dig";
export type { DocStep } from "./doc-steps";
export type { Machine, MachineOptions, RunOptions, TestLan } from "./machines";
export type { NatsCluster, NatsClusterOptions } from "./nats-cluster";
export type { Knot, KnotOptions, KnotZone } from "./knot";
export type { Dnsdist, DnsdistOptions } from "./dnsdist";
export type { Recursor, RecursorOptions } from "./recursor";
export type { LoadQuery, UdpLoadOptions } from "./dns-load";
export type { FrontDnsdistRecipe, LocalFront } from "./front";
export type { NatsClusterBlock, NatsServer, NatsServerOptions } from "./nats-server";
export type { Pdns, PdnsOptions } from "./pdns";
export type {
  CreateZoneOptions,
  PdnsApi,
  PdnsApiOptions,
  PdnsApiTarget,
  PdnsRRset,
  PdnsZone,
  RRsetChange,
  RRsetInput,
} from "./pdns-api";
export type { PortKind } from "./ports";
export type { HttpJsonResult } from "./probes";
export type { WaitForOptions } from "./wait";
export * from "./random";
