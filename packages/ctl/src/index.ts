// Public entry of @pdns-distribute/ctl: the operator commands, usable from tests and scripts.
export { askHealthChecker, collectHeartbeats, formatHeartbeats, formatStatus, keygen, resync, tailEvents } from "./commands";

export { formatChangeStatus, parseTimeout, waitSync } from "./wait-sync";

export type { Output } from "./commands";
export type { WaitSyncOptions, WaitSyncResult } from "./wait-sync";
