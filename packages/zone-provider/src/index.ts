// Public entry of @pdns-distribute/zone-provider.
export { coalescingZoneSource } from "./coalesce";
export { loadZoneProviderConfig, zoneProviderConfigSchema } from "./config";
export { axfrZoneSource, startZoneDataService } from "./service";
export { buildSignedZone } from "./zone-data";

export type { ZoneProviderConfig } from "./config";
export type { ZoneDataService, ZoneDataServiceOptions, ZoneSource } from "./service";
