// Public entry of @pdns-distribute/api-proxy.
export { classifyRequest, decodeZoneId, zoneNameFromCreateResponse } from "./classify";
export { apiProxyConfigSchema, loadApiProxyConfig } from "./config";
export { startApiProxy } from "./proxy";
export { jetStreamPublisher } from "./publisher";

export type { ZoneChange } from "./classify";
export type { ApiProxyConfig } from "./config";
export type { ApiProxy, ApiProxyOptions, EventPublisher } from "./proxy";
