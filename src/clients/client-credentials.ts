import { randomBytes } from 'node:crypto';

/** Client ids we accept from operators: URL- and header-safe, and never a Mongo operator. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`. */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;

export const ROLE_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** Longest secret we hash; anything longer is refused before any work is done. */
export const MAX_SECRET_LENGTH = 512;

/** 256 bits from the CSPRNG: high entropy is what makes a fast keyed hash (HMAC) safe here. */
export const generateSecretValue = (): string => randomBytes(32).toString('base64url');

export const generateClientId = (): string => `cl_${randomBytes(16).toString('base64url')}`;

export const generateSecretId = (): string => `sec_${randomBytes(9).toString('base64url')}`;

export const isValidClientId = (value: unknown): value is string =>
  typeof value === 'string' && CLIENT_ID_PATTERN.test(value);
