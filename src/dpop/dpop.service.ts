import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { CLOCK_LEEWAY_SECONDS } from '../common/clock-leeway';
import { InvalidDpopProofError, UseDpopNonceError } from '../common/errors/oauth-errors';
import { AppConfig } from '../config/app-config.service';
import { DpopNonces } from './dpop-nonce';
import { DpopProofRepository } from './dpop-proof.repository';
import {
  DPOP_SIGNING_ALGS,
  type DpopProofExpectation,
  type DpopSigningAlg,
  type VerifiedDpopProof,
} from './dpop.types';
import { accessTokenHash, jwkThumbprint } from './jwk-thumbprint';

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
/** JWK members that only a private (or symmetric) key has: a proof must embed a public key. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KTY_OF: Record<DpopSigningAlg, string> = { ES256: 'EC', RS256: 'RSA', PS256: 'RSA' };

/** Why a proof was refused: the public description, and the precise reason for audit. */
class ProofRefused extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function refuse(reason: string): never {
  throw new ProofRefused(reason);
}

/**
 * DPoP proof validation (RFC 9449 §4.3), the same at the token endpoint and on protected routes:
 * header checks, one signature verification with the embedded public key through @nestjs/jwt,
 * htm/htu/iat/ath/nonce, then the replay check, one insert into the collection every instance
 * shares. Nothing here runs for a request without DPoP.
 */
@Injectable()
export class DpopService {
  private readonly nonces: DpopNonces;

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly proofs: DpopProofRepository,
  ) {
    this.nonces = new DpopNonces(config.keyEncryptionKey);
  }

  /** The algorithms discovery advertises and the DPoP challenge names. */
  get signingAlgs(): readonly DpopSigningAlg[] {
    return DPOP_SIGNING_ALGS;
  }

  /** A fresh nonce, for the `DPoP-Nonce` header. */
  currentNonce(): string {
    return this.nonces.current(this.nowSeconds());
  }

  /** This server's URL of a request path, as `htu` must name it (issuer-based, no query). */
  htuFor(path: string): string {
    const pathname = path.split(/[?#]/, 1)[0];
    return `${this.config.issuer}${pathname}`;
  }

  /**
   * Throws InvalidDpopProofError (or UseDpopNonceError, with a `DPoP-Nonce` header) with the
   * precise reason as its detail; `status` 401 for protected routes.
   */
  async verify(expect: DpopProofExpectation, status = 400): Promise<VerifiedDpopProof> {
    let checked: { jkt: string; jti: string; iat: number };
    try {
      checked = this.check(expect, status);
    } catch (err) {
      throw err instanceof ProofRefused ? this.invalid(err.message, status) : err;
    }
    const expiresAt = new Date(
      (checked.iat + this.config.dpop.proofMaxAgeSeconds + 2 * CLOCK_LEEWAY_SECONDS) * 1000,
    );
    if (!(await this.proofs.recordOnce(checked.jkt, checked.jti, expiresAt))) {
      throw this.invalid('DPoP proof has already been used', status);
    }
    return { jkt: checked.jkt, jti: checked.jti };
  }

  private check(
    expect: DpopProofExpectation,
    status: number,
  ): { jkt: string; jti: string; iat: number } {
    const proof = this.singleProof(expect.proof);
    const { alg, key, jkt } = this.proofKey(proof);
    if (expect.jkt !== undefined && jkt !== expect.jkt)
      refuse('DPoP proof key does not match the token binding');
    let payload: Record<string, unknown>;
    try {
      // jsonwebtoken checks the signature with the one algorithm the header named and the key
      // type it requires (and the curve, for ES256).
      payload = this.jwt.verify<Record<string, unknown>>(proof, {
        publicKey: key as unknown as Buffer,
        algorithms: [alg],
        ignoreExpiration: false,
        clockTolerance: CLOCK_LEEWAY_SECONDS,
      });
    } catch (err) {
      // A proof needs no exp or nbf; when it carries one, jsonwebtoken has checked it.
      const name = err instanceof Error ? err.name : '';
      if (name === 'TokenExpiredError') refuse('DPoP proof has expired');
      if (name === 'NotBeforeError') refuse('DPoP proof is not yet valid');
      refuse('DPoP proof signature is invalid');
    }
    const { jti, htm, htu, iat } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
      refuse('DPoP proof has no valid jti');
    if (htm !== expect.htm) refuse('DPoP proof htm does not match the request method');
    if (typeof htu !== 'string' || normalizeHtu(htu) !== normalizeHtu(expect.htu))
      refuse('DPoP proof htu does not match the request URL');
    if (typeof iat !== 'number' || !Number.isFinite(iat)) refuse('DPoP proof has no valid iat');
    const now = this.nowSeconds();
    if (iat > now + CLOCK_LEEWAY_SECONDS) refuse('DPoP proof was issued in the future');
    if (iat < now - this.config.dpop.proofMaxAgeSeconds) refuse('DPoP proof is too old');
    if (expect.accessToken !== undefined) {
      if (payload.ath === undefined) refuse('DPoP proof has no ath');
      if (payload.ath !== accessTokenHash(expect.accessToken))
        refuse('DPoP proof ath does not match the access token');
    }
    if (expect.nonceRequired && !this.nonces.isValid(payload.nonce, now)) {
      const reason =
        payload.nonce === undefined ? 'DPoP proof has no nonce' : 'DPoP nonce is stale or invalid';
      throw new UseDpopNonceError(reason, { status }).withHeader('DPoP-Nonce', this.currentNonce());
    }
    return { jkt, jti, iat };
  }

  private singleProof(raw: string | string[] | undefined): string {
    if (raw === undefined || raw === '') refuse('DPoP proof is missing');
    if (Array.isArray(raw) || raw.includes(',')) refuse('more than one DPoP proof');
    if (raw.length > MAX_PROOF_LENGTH) refuse('DPoP proof is too long');
    return raw;
  }

  /** The header checks of RFC 9449 §4.3 items 4–7, before any signature work. */
  private proofKey(proof: string): { alg: DpopSigningAlg; key: KeyObject; jkt: string } {
    const parts = proof.split('.');
    if (parts.length !== 3) refuse('DPoP proof is not a compact JWS');
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    } catch {
      refuse('DPoP proof header is not JSON');
    }
    if (!isObject(header)) refuse('DPoP proof header is not a JSON object');
    if (header.typ !== 'dpop+jwt') refuse('DPoP proof typ is not dpop+jwt');
    const alg = DPOP_SIGNING_ALGS.find((a) => a === header.alg);
    if (!alg) refuse('DPoP proof algorithm is not accepted');
    if (header.crit !== undefined) refuse('DPoP proof uses critical header parameters');
    const jwk = header.jwk;
    if (!isObject(jwk)) refuse('DPoP proof has no jwk');
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) refuse('DPoP proof jwk is not a public key');
    if (jwk.kty !== KTY_OF[alg]) refuse('DPoP proof jwk does not fit its algorithm');
    const jkt = jwkThumbprint(jwk);
    if (!jkt) refuse('DPoP proof jwk is incomplete');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      refuse('DPoP proof jwk is not a valid key');
    }
    return { alg, key, jkt };
  }

  private invalid(reason: string, status: number): InvalidDpopProofError {
    return new InvalidDpopProofError(reason, { status });
  }

  private nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }
}

/** RFC 9449 §4.3 item 9: compared without query and fragment, after URL normalization. */
function normalizeHtu(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}
