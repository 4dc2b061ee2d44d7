import { JwtService } from '@nestjs/jwt';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { describeJwtError } from './jwt-errors';

/** Real jsonwebtoken failures (through JwtService), mapped to this server's descriptions. */
describe('describeJwtError', () => {
  const jwt = new JwtService();
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secret = createSecretKey(Buffer.from('0123456789abcdef0123456789abcdef'));
  const now = Math.floor(Date.now() / 1000);
  const es256 = (payload: Record<string, unknown>) =>
    jwt.sign(payload, { algorithm: 'ES256', privateKey: ec.privateKey });
  const failure = (token: string, options: Record<string, unknown>): unknown => {
    try {
      jwt.verify(token, { publicKey: ec.publicKey as unknown as Buffer, ...options });
    } catch (err) {
      return err;
    }
    throw new Error('expected a failure');
  };

  it.each([
    ['expired', { exp: now - 60 }, { algorithms: ['ES256'] }, 'token has expired'],
    ['not yet valid', { nbf: now + 600 }, { algorithms: ['ES256'] }, 'token is not yet valid'],
    ['issuer', { iss: 'https://evil' }, { issuer: 'https://as' }, 'token issuer is not accepted'],
    [
      'audience',
      { aud: 'https://other' },
      { audience: 'https://as' },
      'token audience is not accepted here',
    ],
    ['algorithm', {}, { algorithms: ['RS256'] }, 'token algorithm is not accepted'],
  ])('%s', (_name, payload, options, description) => {
    expect(describeJwtError(failure(es256(payload), options))).toBe(description);
  });

  it('a bad signature, and a key of the wrong kind for the header alg', () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = jwt.sign({}, { algorithm: 'ES256', privateKey: stranger });
    expect(describeJwtError(failure(forged, { algorithms: ['ES256'] }))).toBe(
      'invalid token signature',
    );
    const hs = jwt.sign({}, { algorithm: 'HS256', privateKey: secret });
    expect(describeJwtError(failure(hs, { algorithms: ['HS256'] }))).toBe(
      'token algorithm is not accepted',
    );
  });

  it('leaves errors that are not jsonwebtoken verdicts to the caller', () => {
    expect(describeJwtError(new Error('No auth token'))).toBeUndefined();
    expect(describeJwtError('not an error')).toBeUndefined();
  });
});
