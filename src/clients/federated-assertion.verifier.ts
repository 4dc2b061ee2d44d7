import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash } from 'node:crypto';
import { CLOCK_LEEWAY_SECONDS } from '../common/clock-leeway';
import { decodeAssertion, verifyWithCandidates } from './assertion-signature';
import { ClientAssertionJtisRepository } from './client-assertion-jtis.repository';
import { ASSERTION_ALGORITHMS, describe } from './client-assertion.verifier';
import { ClientAuthFailure } from './client-auth-failure';
import { ClientCache } from './client-cache.service';
import { isValidClientId } from './client-credentials';
import { toClientRecord, type ClientRecord } from './client.mapper';
import type { FederatedCredential } from './clients.types';
import { ClientsRepository } from './clients.repository';
import { subjectMatches } from './federated-credentials.validator';
import { IssuerKeys } from './issuer-keys.service';

/**
 * Workload tokens live longer than per-request assertions: Kubernetes projects service-account
 * tokens for an hour by default (kubelet refreshes them at 80 %), GitHub's last minutes.
 */
export const MAX_FEDERATED_LIFETIME_SECONDS = 24 * 3600;
const MAX_JWT_LENGTH = 16_384;
const MAX_CLAIM_LENGTH = 512;
/** More clients trusting one issuer and subject than this is a misconfiguration, not a lookup. */
const MAX_CANDIDATE_CLIENTS = 50;

export interface FederatedIdentity {
  record: ClientRecord;
  credential: FederatedCredential;
  issuer: string;
  subject: string;
}

/**
 * A JWT of a trusted workload issuer (Kubernetes, GitHub Actions, SPIFFE) as a client assertion:
 * RFC 7523 §2.2 with iss = the issuer and sub = the workload, matched against the clients'
 * federated_credentials. A client id never contains "/", so an iss that is a URL can only be an
 * issuer: the two assertion kinds cannot be confused.
 */
@Injectable()
export class FederatedAssertionVerifier {
  constructor(
    private readonly repository: ClientsRepository,
    private readonly cache: ClientCache,
    private readonly keys: IssuerKeys,
    private readonly jtis: ClientAssertionJtisRepository,
    private readonly jwt: JwtService,
  ) {}

  /** Whether an assertion claims to come from a workload issuer rather than from a client. */
  isFederated(assertion: unknown): boolean {
    if (typeof assertion !== 'string' || assertion.length > MAX_JWT_LENGTH) return false;
    const payload = decodeAssertion(this.jwt, assertion)?.payload as
      Record<string, unknown> | undefined;
    return typeof payload?.iss === 'string' && payload.iss.includes('://');
  }

  async verify(
    assertion: string,
    formClientId: string | undefined,
    serverAudiences: string[],
  ): Promise<FederatedIdentity> {
    const decoded = decodeAssertion(this.jwt, assertion);
    const payload = (decoded?.payload ?? {}) as Record<string, unknown>;
    const { iss, sub } = payload;
    if (typeof iss !== 'string' || iss.length > MAX_CLAIM_LENGTH) {
      throw new ClientAuthFailure('federated assertion iss is invalid');
    }
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_CLAIM_LENGTH) {
      throw new ClientAuthFailure(`federated assertion of ${iss} has no valid sub`);
    }
    const alg = decoded?.header.alg;
    if (typeof alg !== 'string' || !ASSERTION_ALGORITHMS.includes(alg)) {
      throw new ClientAuthFailure(
        `federated assertion alg ${String(alg).slice(0, 16)} is not allowed`,
      );
    }
    const { record, credential } = await this.findClient(iss, sub, formClientId);
    const clientId = record.client.clientId;
    const kid = typeof decoded?.header.kid === 'string' ? decoded.header.kid : undefined;
    const candidates = await this.keys.candidates(credential, kid, alg).catch((err: unknown) => {
      if (err instanceof ClientAuthFailure) throw new ClientAuthFailure(err.reason, clientId);
      throw err;
    });
    if (candidates.length === 0) {
      throw new ClientAuthFailure(
        `federated assertion rejected: no key of ${iss} matches its kid and alg`,
        clientId,
      );
    }
    const result = verifyWithCandidates(this.jwt, assertion, candidates, {
      algorithms: [alg as 'ES256'],
      issuer: iss,
      audience: serverAudiences as [string, ...string[]],
      clockTolerance: CLOCK_LEEWAY_SECONDS,
    });
    if (!('payload' in result)) {
      throw new ClientAuthFailure(
        `federated assertion rejected: ${describe(result.failure)}`,
        clientId,
      );
    }
    const verified = result.payload;
    await this.checkClaims(verified, credential, clientId);
    return { record, credential, issuer: iss, subject: sub };
  }

  private async findClient(
    iss: string,
    sub: string,
    formClientId: string | undefined,
  ): Promise<{ record: ClientRecord; credential: FederatedCredential }> {
    const matchOf = (record: ClientRecord) =>
      record.federatedCredentials.find((c) => c.issuer === iss && subjectMatches(c.subject, sub));
    let records: ClientRecord[];
    if (formClientId !== undefined) {
      if (!isValidClientId(formClientId)) {
        throw new ClientAuthFailure('client_id missing or malformed');
      }
      const record = await this.cache.get(formClientId);
      if (!record) throw new ClientAuthFailure('unknown client', formClientId);
      records = [record];
    } else {
      const docs = await this.repository.findByFederatedIssuer(iss, MAX_CANDIDATE_CLIENTS);
      records = docs.map((d) => toClientRecord(d));
    }
    const matches = records.flatMap((record) => {
      const credential = matchOf(record);
      return credential ? [{ record, credential }] : [];
    });
    if (matches.length === 0) {
      throw new ClientAuthFailure(
        `no federated credential matches iss ${iss} and sub ${sub}`,
        formClientId,
      );
    }
    if (matches.length > 1) {
      throw new ClientAuthFailure(
        `several clients trust iss ${iss} and sub ${sub}; the request must name its client_id`,
      );
    }
    const match = matches[0];
    if (match.record.client.disabled) {
      throw new ClientAuthFailure('client is disabled', match.record.client.clientId);
    }
    return match;
  }

  /** What jsonwebtoken leaves to us: exp present and bounded, iat not ahead, the credential's aud, jti once. */
  private async checkClaims(
    payload: Record<string, unknown>,
    credential: FederatedCredential,
    clientId: string,
  ): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const { exp, iat, jti } = payload;
    if (typeof exp !== 'number') {
      throw new ClientAuthFailure('federated assertion has no exp', clientId);
    }
    if (exp - now > MAX_FEDERATED_LIFETIME_SECONDS + CLOCK_LEEWAY_SECONDS) {
      throw new ClientAuthFailure(
        `federated assertion exp is more than ${MAX_FEDERATED_LIFETIME_SECONDS}s ahead`,
        clientId,
      );
    }
    if (iat !== undefined && (typeof iat !== 'number' || iat > now + CLOCK_LEEWAY_SECONDS)) {
      throw new ClientAuthFailure('federated assertion iat is invalid or in the future', clientId);
    }
    if (credential.audience !== undefined) {
      const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!aud.includes(credential.audience)) {
        throw new ClientAuthFailure(
          `federated assertion aud does not contain ${credential.audience}`,
          clientId,
        );
      }
    }
    if (jti === undefined) return;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_CLAIM_LENGTH) {
      throw new ClientAuthFailure('federated assertion jti is invalid', clientId);
    }
    // Scoped to the issuer (two issuers may mint the same jti) and bounded in length.
    const key = `fed:${createHash('sha256').update(`${credential.issuer}\u0000${jti}`).digest('base64url')}`;
    const keepUntil = new Date((exp + CLOCK_LEEWAY_SECONDS + 1) * 1000);
    if (!(await this.jtis.recordOnce(clientId, key, keepUntil))) {
      throw new ClientAuthFailure('federated assertion jti was already used (replay)', clientId);
    }
  }
}
