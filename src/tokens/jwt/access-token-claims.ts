import { createHash } from 'node:crypto';
import { CLOCK_LEEWAY_SECONDS } from '../tokens.constants';
import type { AccessTokenClaims, ActorClaim } from '../tokens.types';
import type { TokenParts } from './compact-token';

export class TokenClaimsError extends Error {}

export interface ClaimCheckOptions {
  issuer: string;
  nowSeconds: number;
  /**
   * For HS256 tokens verified with the configured secret only: the FastAPI service signed `{sub,
   * scopes, role, exp}` with typ JWT and no iss/jti/aud. Present claims are still checked.
   */
  lenient: boolean;
  /** Skip the exp comparison (exp must still be present). */
  allowExpired?: boolean;
}

const ACCEPTED_TYP = new Set(['at+jwt', 'application/at+jwt']);
const MAX_SCOPES = 256;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length <= MAX_SCOPES && value.every((v) => typeof v === 'string');

const isTime = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

function fail(message: string): never {
  throw new TokenClaimsError(message);
}

/**
 * RFC 9068 §4 checks on a token whose signature jsonwebtoken has verified. Times are checked here
 * too, with this server's rule (refused at exp to the second, nbf/iat within the leeway).
 */
export function checkClaims(
  jws: TokenParts,
  token: string,
  opts: ClaimCheckOptions,
): AccessTokenClaims {
  const { header, payload: p } = jws;
  const { nowSeconds: now, lenient } = opts;

  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase() : undefined;
  const typOk = typ !== undefined && ACCEPTED_TYP.has(typ);
  if (!typOk && !(lenient && (typ === undefined || typ === 'jwt')))
    fail('token type is not at+jwt');

  if (p.iss !== undefined || !lenient) {
    if (p.iss !== opts.issuer) fail('token issuer is not accepted');
  }
  if (!isTime(p.exp)) fail('token has no expiry');
  if (now >= p.exp && !opts.allowExpired) fail('token has expired');
  if (p.nbf !== undefined && (!isTime(p.nbf) || p.nbf > now + CLOCK_LEEWAY_SECONDS))
    fail('token is not yet valid');
  if (p.iat !== undefined || !lenient) {
    if (!isTime(p.iat)) fail('token has no issue time');
    if (p.iat > now + CLOCK_LEEWAY_SECONDS) fail('token was issued in the future');
  }
  if (typeof p.sub !== 'string' || p.sub.length === 0) fail('token has no subject');

  let aud: string[];
  if (typeof p.aud === 'string') aud = [p.aud];
  else if (isStringArray(p.aud) && p.aud.length > 0) aud = p.aud;
  else if (p.aud === undefined && lenient) aud = [opts.issuer];
  else fail('token has no valid audience');

  const clientId = p.client_id ?? (lenient ? p.sub : undefined);
  if (typeof clientId !== 'string' || clientId.length === 0) fail('token has no client_id');

  let jti: string;
  if (typeof p.jti === 'string' && p.jti.length > 0 && p.jti.length <= 128) jti = p.jti;
  // A stable stand-in, so a legacy token can still be revoked by jti.
  else if (p.jti === undefined && lenient)
    jti = `legacy-${createHash('sha256').update(token).digest('base64url').slice(0, 32)}`;
  else fail('token has no valid jti');

  let scopes: string[];
  if (isStringArray(p.scopes)) scopes = p.scopes;
  else if (p.scopes === undefined && typeof p.scope === 'string')
    scopes = p.scope.split(' ').filter(Boolean);
  else if (p.scopes === undefined && p.scope === undefined) scopes = [];
  else fail('token scopes are malformed');
  if (p.role !== undefined && typeof p.role !== 'string') fail('token role is malformed');
  const cnf = p.cnf as { jkt?: unknown } | undefined;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || typeof cnf.jkt !== 'string'))
    fail('token confirmation is malformed');

  return {
    iss: typeof p.iss === 'string' ? p.iss : opts.issuer,
    sub: p.sub,
    client_id: clientId,
    aud,
    scope: scopes.join(' '),
    scopes,
    role: typeof p.role === 'string' ? p.role : '',
    jti,
    iat: isTime(p.iat) ? p.iat : 0,
    exp: p.exp,
    ...(cnf && { cnf: { jkt: cnf.jkt as string } }),
    ...(isActor(p.act) && { act: p.act }),
  };
}

/** A well-formed RFC 8693 `act` chain, bounded in depth; anything else is ignored. */
function isActor(value: unknown, depth = 0): value is ActorClaim {
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  const { sub, iss, act } = value as Record<string, unknown>;
  return (
    typeof sub === 'string' &&
    (iss === undefined || typeof iss === 'string') &&
    (act === undefined || isActor(act, depth + 1))
  );
}
