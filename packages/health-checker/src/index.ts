// Public entry of @pdns-distribute/health-checker.
export { healthCheckerConfigSchema, loadHealthCheckerConfig } from "./config";
export { startHeartbeatMonitor } from "./monitor";
export { SecondaryRegistry } from "./registry";

export type { HealthCheckerConfig } from "./config";
export type { HeartbeatMonitor } from "./monitor";
export type { ActivityChange, SecondaryState } from "./registry";
