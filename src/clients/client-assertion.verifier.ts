import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { CLOCK_LEEWAY_SECONDS } from '../common/clock-leeway';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { decodeAssertion, verifyWithCandidates } from './assertion-signature';
import { ClientAssertionJtisRepository } from './client-assertion-jtis.repository';
import { ClientAuthFailure } from './client-auth-failure';
import { isValidClientId } from './client-credentials';
import type { ClientRecord } from './client.mapper';

/** What jsonwebtoken verifies with a client's registered public keys (it has no EdDSA). */
export const ASSERTION_ALGORITHMS = ['ES256', 'RS256', 'PS256'];
/** RFC 7523 leaves the bound to us; assertions are minted per request, so minutes are plenty. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const MAX_ASSERTION_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

export interface UnverifiedAssertion {
  clientId: string;
}

/** A registered (or an issuer's published) JWK as a KeyObject, with the algorithms its type can verify. */
export interface RegisteredKey {
  kid?: string;
  algs: string[];
  key: KeyObject;
}

/** private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9) against the client's registered keys. */
@Injectable()
export class ClientAssertionVerifier {
  /** Keyed by the cached record, so its keys are re-imported exactly when the record is reloaded. */
  private readonly keySets = new WeakMap<ClientRecord, RegisteredKey[]>();

  constructor(
    private readonly jtis: ClientAssertionJtisRepository,
    private readonly jwt: JwtService,
  ) {}

  /** Cheap structural checks before anything is looked up: who does the assertion claim to be? */
  peek(assertion: unknown, formClientId: unknown): UnverifiedAssertion {
    if (
      typeof assertion !== 'string' ||
      assertion.length === 0 ||
      assertion.length > MAX_ASSERTION_LENGTH
    ) {
      throw new ClientAuthFailure('client_assertion missing or too long');
    }
    const decoded = decodeAssertion(this.jwt, assertion);
    if (!decoded || !isObject(decoded.payload)) {
      throw new ClientAuthFailure('client_assertion is not a JWT');
    }
    const clientId = decoded.payload.iss;
    if (!isValidClientId(clientId))
      throw new ClientAuthFailure('client_assertion iss is missing or invalid');
    if (formClientId !== undefined && formClientId !== clientId) {
      throw new ClientAuthFailure('client_id does not match the client_assertion issuer', clientId);
    }
    const alg = decoded.header.alg;
    if (typeof alg !== 'string' || !ASSERTION_ALGORITHMS.includes(alg)) {
      throw new ClientAuthFailure(
        `client_assertion alg ${String(alg).slice(0, 16)} is not allowed`,
        clientId,
      );
    }
    return { clientId };
  }

  /** Signature, iss = sub = client_id, aud, bounded exp, then the jti is spent (replay check last). */
  async verify(
    assertion: string,
    record: ClientRecord,
    expectedAudiences: string[],
  ): Promise<void> {
    const clientId = record.client.clientId;
    if (!record.jwks) throw new ClientAuthFailure('client has no registered jwks', clientId);
    const header = decodeAssertion(this.jwt, assertion)?.header ?? {};
    const alg = String(header.alg);
    // The header's alg must be one the key's own type (and registered alg) allows: no confusion.
    const candidates = this.keysOf(record).filter(
      (k) => k.algs.includes(alg) && (header.kid === undefined || header.kid === k.kid),
    );
    if (candidates.length === 0) {
      throw new ClientAuthFailure(
        'client_assertion rejected: no registered key matches its kid and alg',
        clientId,
      );
    }
    const verified = verifyWithCandidates(this.jwt, assertion, candidates, {
      algorithms: [alg as 'ES256'],
      issuer: clientId,
      subject: clientId,
      // Never empty (the endpoint URL and the issuer); jsonwebtoken's type wants it non-empty.
      audience: expectedAudiences as [string, ...string[]],
      clockTolerance: CLOCK_LEEWAY_SECONDS,
    });
    if (!('payload' in verified)) {
      throw new ClientAuthFailure(
        `client_assertion rejected: ${describe(verified.failure)}`,
        clientId,
      );
    }
    const { payload } = verified;
    const exp = payload.exp;
    if (typeof exp !== 'number')
      throw new ClientAuthFailure('client_assertion has no exp', clientId);
    const now = Math.floor(Date.now() / 1000);
    if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_LEEWAY_SECONDS) {
      throw new ClientAuthFailure(
        `client_assertion exp is more than ${MAX_ASSERTION_LIFETIME_SECONDS}s ahead`,
        clientId,
      );
    }
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw new ClientAuthFailure('client_assertion jti is invalid', clientId);
    }
    // Kept until the assertion could no longer pass the exp check anyway, then the TTL index drops it.
    const keepUntil = new Date((exp + CLOCK_LEEWAY_SECONDS + 1) * 1000);
    if (!(await this.jtis.recordOnce(clientId, jti, keepUntil))) {
      throw new ClientAuthFailure('client_assertion jti was already used (replay)', clientId);
    }
  }

  private keysOf(record: ClientRecord): RegisteredKey[] {
    let keys = this.keySets.get(record);
    if (!keys) {
      keys = (record.jwks?.keys ?? []).flatMap((jwk) => toRegisteredKey(jwk));
      this.keySets.set(record, keys);
    }
    return keys;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The algorithms a key's type can verify, narrowed by its registered `alg`; none for EdDSA keys. */
export function toRegisteredKey(jwk: Record<string, unknown>): RegisteredKey[] {
  if (jwk.use !== undefined && jwk.use !== 'sig') return [];
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    return [];
  }
  const type = key.asymmetricKeyType;
  let algs: string[] = [];
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') algs = ['ES256'];
  else if (type === 'rsa') algs = ['RS256', 'PS256'];
  else if (type === 'rsa-pss') algs = ['PS256'];
  if (typeof jwk.alg === 'string') algs = algs.filter((a) => a === jwk.alg);
  return algs.length > 0
    ? [{ kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, algs, key }]
    : [];
}

/** jsonwebtoken's messages name the failed check (and expected values), never key or token. */
export function describe(err: unknown): string {
  if (
    err instanceof Error &&
    ['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError'].includes(err.name)
  ) {
    return err.message;
  }
  return 'signature verification failed';
}
