/**
 * Tolerated clock difference between this server and the parties whose tokens it reads or
 * writes: `nbf`/`iat` up to this far in the future are accepted (access tokens and client
 * assertions), and entries that must outlive a token's `exp` (revocations, retired keys, used
 * assertion ids) are kept this much longer, for consumers whose clocks lag.
 */
export const CLOCK_LEEWAY_SECONDS = 30;
