// @pdns-distribute/front-sync: keeps a dnsdist + pdns-recursor front's routed zones in step with the secondaries.
export { FRONT_SYNC_FIXED, frontSyncConfigSchema, loadFrontSyncConfig } from "./config";
export { DnsdistConsoleError, RecursorReloadError } from "./errors";
export { decodeConsoleKey, dnsdistConsole, incrementNonce, sessionNonces } from "./dnsdist-console";
export { currentDigestLua, expungeLua, luaString, replaceRuleLua } from "./dnsdist-rule";
export { reloadZones, renderForwardZones, wipeCache, writeForwardZones } from "./forward-zones";
export { ServedZones, routedDigest } from "./served-zones";
export { startFrontSync } from "./front-sync";

export type { FrontSyncConfig } from "./config";
export type { DnsdistConsole, DnsdistConsoleOptions } from "./dnsdist-console";
export type { DnsdistRuleOptions } from "./dnsdist-rule";
export type { RecursorReloadOptions } from "./forward-zones";
export type { FrontSync } from "./front-sync";
