import { Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { CLOCK_LEEWAY_SECONDS } from '../common/clock-leeway';
import { ClientAssertionJtisRepository } from './client-assertion-jtis.repository';
import { ClientAuthFailure } from './client-auth-failure';
import { isValidClientId } from './client-credentials';
import type { ClientRecord } from './client.mapper';

export const ASSERTION_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'];
/** RFC 7523 leaves the bound to us; assertions are minted per request, so minutes are plenty. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const MAX_ASSERTION_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

export interface UnverifiedAssertion {
  clientId: string;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9) against the client's registered keys. */
@Injectable()
export class ClientAssertionVerifier {
  /** Keyed by the cached record, so a key set is rebuilt exactly when the record is reloaded. */
  private readonly keySets = new WeakMap<ClientRecord, KeySet>();

  constructor(private readonly jtis: ClientAssertionJtisRepository) {}

  /** Cheap structural checks before anything is looked up: who does the assertion claim to be? */
  peek(assertion: unknown, formClientId: unknown): UnverifiedAssertion {
    if (
      typeof assertion !== 'string' ||
      assertion.length === 0 ||
      assertion.length > MAX_ASSERTION_LENGTH
    ) {
      throw new ClientAuthFailure('client_assertion missing or too long');
    }
    let payload: JWTPayload;
    let alg: unknown;
    try {
      payload = decodeJwt(assertion);
      alg = decodeProtectedHeader(assertion).alg;
    } catch {
      throw new ClientAuthFailure('client_assertion is not a JWT');
    }
    const clientId = payload.iss;
    if (!isValidClientId(clientId))
      throw new ClientAuthFailure('client_assertion iss is missing or invalid');
    if (formClientId !== undefined && formClientId !== clientId) {
      throw new ClientAuthFailure('client_id does not match the client_assertion issuer', clientId);
    }
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
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keySet(record), {
        issuer: clientId,
        subject: clientId,
        audience: expectedAudiences,
        algorithms: ASSERTION_ALGORITHMS,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_LEEWAY_SECONDS,
      }));
    } catch (err) {
      throw new ClientAuthFailure(`client_assertion rejected: ${describe(err)}`, clientId);
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
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

  private keySet(record: ClientRecord): KeySet {
    let keySet = this.keySets.get(record);
    if (!keySet) {
      keySet = createLocalJWKSet({ keys: record.jwks?.keys ?? [] });
      this.keySets.set(record, keySet);
    }
    return keySet;
  }
}

/** jose's error codes are precise and never contain key material or the token. */
function describe(err: unknown): string {
  if (err instanceof joseErrors.JOSEError) {
    const claim = (err as { claim?: unknown }).claim;
    return typeof claim === 'string' ? `${err.code} (${claim})` : err.code;
  }
  return 'verification failed';
}
