// Public entry of udp-batch: a UDP socket batching receives (recvmmsg) and sends (sendmmsg) through a native addon.

export { UdpBatchUnavailableError } from "./errors";
export { defaultUdpBatchSocketOptions, openUdpBatchSocket, udpBatchAvailable, udpBatchUnavailableReason } from "./udp-batch-socket";

export type { UdpBatchStats } from "./addon";
export type { UdpBatchHandler, UdpBatchSocket, UdpBatchSocketOptions } from "./udp-batch-socket";
