/**
 * Upper bound on any access token's lifetime, whatever a client or jwt_config asks for. Retired
 * signing keys and client-wide revocation cutoffs are kept this long (+ leeway), which is what
 * makes "kept until every token it signed has expired" hold without tracking each token.
 */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 86_400;

/** This server itself refuses a token at its `exp`, to the second; the leeway is for others. */
export { CLOCK_LEEWAY_SECONDS } from '../common/clock-leeway';

/** Any compact JWS longer than this is rejected before it is parsed. */
export const MAX_TOKEN_LENGTH = 8192;

/** Other instances see key changes (rotation, removal) within this interval, or at once on an unknown kid. */
export const KEY_REFRESH_INTERVAL_MS = 5_000;

/**
 * Cache-Control max-age of the JWKS. Short: verifiers re-fetch on an unknown kid anyway. Part of
 * the lead time by which scheduled rotation publishes a key before it signs.
 */
export const JWKS_MAX_AGE_SECONDS = 60;

/** How often each instance checks the rotation schedule (KEY_ROTATION_DAYS). */
export const KEY_ROTATION_CHECK_INTERVAL_MS = 60_000;

/** A rotation takes well under a second; a holder silent this long is presumed dead. */
export const KEY_ROTATION_LEASE_MS = 60_000;

/** Other instances enforce a revocation within this interval plus one database round trip. */
export const REVOCATION_POLL_INTERVAL_MS = 500;

/** Verified access tokens kept in memory to skip signature checks on repeated calls. */
export const VERIFIED_TOKEN_CACHE_SIZE = 5_000;
