/**
 * jsonwebtoken's errors (TokenExpiredError, NotBeforeError, JsonWebTokenError, told apart by
 * `name` as its README documents) as the invalid_token descriptions this server has always given.
 */
export function describeJwtError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'TokenExpiredError') return 'token has expired';
  if (err.name === 'NotBeforeError') return 'token is not yet valid';
  // jsonwebtoken's key-type check throws a plain Error naming the "alg" parameter.
  if (err.message.includes('"alg" parameter')) return 'token algorithm is not accepted';
  if (err.name !== 'JsonWebTokenError') return undefined;
  const message = err.message;
  if (message === 'invalid signature') return 'invalid token signature';
  if (message.startsWith('jwt issuer invalid')) return 'token issuer is not accepted';
  if (message.startsWith('jwt audience invalid')) return 'token audience is not accepted here';
  if (message === 'invalid exp value') return 'token has no expiry';
  if (message === 'invalid nbf value') return 'token is not yet valid';
  // "secretOrPublicKey must be a symmetric key when using …" and its asymmetric twin.
  if (message === 'invalid algorithm' || message.startsWith('secretOrPublicKey must be')) {
    return 'token algorithm is not accepted';
  }
  return 'malformed token';
}
