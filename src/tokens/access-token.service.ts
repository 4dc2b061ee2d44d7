import { Injectable } from '@nestjs/common';
import { JwtService, type JwtSignOptions } from '@nestjs/jwt';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { InvalidTokenError, ServerError } from '../common/errors/oauth-errors';
import { AppConfig } from '../config/app-config.service';
import { RuntimeConfigService } from '../config/runtime-config.service';
import { checkClaims, TokenClaimsError } from './jwt/access-token-claims';
import { readTokenParts, TokenFormatError, type TokenParts } from './jwt/compact-token';
import { isKeyStoreAlg, type AccessTokenAlg } from './jwt/jwt-algorithms';
import { describeJwtError } from './jwt/jwt-errors';
import { newJti } from './jwt/jti';
import { VerifiedTokenCache } from './jwt/verified-token-cache';
import { SigningKeyService, type SigningMaterial } from './signing-key.service';
import { RevocationService } from './revocation.service';
import {
  CLOCK_LEEWAY_SECONDS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  MAX_TOKEN_LENGTH,
  VERIFIED_TOKEN_CACHE_SIZE,
} from './tokens.constants';
import { TokensClock } from './tokens.clock';
import type {
  AccessTokenClaims,
  AccessTokenRequest,
  IssuedAccessToken,
  VerifyAccessTokenOptions,
} from './tokens.types';

interface CachedClaims extends AccessTokenClaims {
  /** Verified as an HS256 token, so the FastAPI service's whole-token denylist applies too. */
  symmetric: boolean;
}

/** The one key a token may be verified with, and the one algorithm it must then carry. */
export interface TokenVerificationKey {
  alg: AccessTokenAlg;
  key: KeyObject;
}

/**
 * RFC 9068 access tokens, signed and verified by @nestjs/jwt's JwtService: with the active key of
 * the key store, or with jwt_config's SECRET_KEY when its ALGORITHM is HS256 (the FastAPI
 * service's mode). Bearer requests are verified by the passport-jwt strategies with the same key
 * resolution and claim checks (verificationKey, acceptVerified); introspection and revocation call
 * verify().
 *
 * Verified tokens are cached (bounded LRU, until exp, dropped when the mode or secret changes), so
 * a repeated bearer token costs a map lookup; revocation is still checked on every call.
 */
@Injectable()
export class AccessTokenService {
  private readonly cache = new VerifiedTokenCache<CachedClaims>(VERIFIED_TOKEN_CACHE_SIZE);
  /** The HMAC key of the configured secret, rebuilt only when the secret changes. */
  private secret?: { value: string; key: KeyObject; signOptions?: JwtSignOptions };
  /** Sign options per active key, built (and the key checked) once per key, not per token. */
  private readonly signOptions = new WeakMap<SigningMaterial, JwtSignOptions>();

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfigService,
    private readonly keys: SigningKeyService,
    private readonly revocation: RevocationService,
    private readonly clock: TokensClock,
    private readonly jwt: JwtService,
  ) {}

  async issue(req: AccessTokenRequest): Promise<IssuedAccessToken> {
    const settings = this.runtime.current;
    const nowMs = this.clock.now();
    const iat = Math.floor(nowMs / 1000);
    const requested = req.ttlSeconds ?? settings.accessTokenMinutes * 60;
    const expiresIn = Math.max(1, Math.min(Math.floor(requested), MAX_ACCESS_TOKEN_TTL_SECONDS));
    const exp = iat + expiresIn;
    const jti = newJti(nowMs);
    const issuer = this.config.issuer;
    const payload = {
      iss: issuer,
      sub: req.subject ?? req.clientId,
      aud: req.audience.length > 0 ? req.audience : [issuer],
      client_id: req.clientId,
      scope: req.scopes.join(' '),
      scopes: req.scopes,
      role: req.role,
      ...(req.act && { act: req.act }),
      jti,
      iat,
      exp,
      ...(req.dpopJkt !== undefined && { cnf: { jkt: req.dpopJkt } }),
    };
    let options: JwtSignOptions;
    if (settings.algorithm === 'HS256') {
      if (!settings.secretKey) throw new ServerError('HS256 mode requires jwt_config.SECRET_KEY');
      const secret = this.secretFor(settings.secretKey);
      options = secret.signOptions ??= this.checkedSignOptions(
        'HS256',
        { alg: 'HS256', typ: 'at+jwt' },
        secret.key,
      );
    } else {
      const key = await this.keys.activeKey();
      options = this.signOptions.get(key) ?? this.signOptionsFor(key);
    }
    const token = this.jwt.sign(payload, options);
    return { token, jti, expiresIn, exp };
  }

  /** Throws InvalidTokenError with a safe, specific description. */
  async verify(token: string, options: VerifyAccessTokenOptions = {}): Promise<AccessTokenClaims> {
    const allowExpired = options.allowExpired === true;
    const cached = allowExpired ? undefined : this.fromCache(token, options.audience);
    if (cached) return cached;
    const { alg, key } = await this.verificationKey(token);
    let decoded: TokenParts;
    try {
      decoded = this.jwt.verify<TokenParts>(token, {
        // @nestjs/jwt types publicKey as string | Buffer and hands it to jsonwebtoken unchanged,
        // which takes the KeyObject as is: parsed once per kid, never per request.
        publicKey: key as unknown as Buffer,
        algorithms: [alg],
        complete: true,
        clockTimestamp: this.clock.nowSeconds(),
        clockTolerance: CLOCK_LEEWAY_SECONDS,
        ignoreExpiration: allowExpired,
      });
    } catch (err) {
      throw new InvalidTokenError(describeJwtError(err) ?? 'invalid token signature');
    }
    return this.acceptVerified(token, decoded, { ...options, allowExpired });
  }

  /**
   * The verified-token cache, checked before any signature work: the claims of a token verified
   * earlier (still unexpired, revocation checked now), or undefined when it must be verified.
   */
  fromCache(token: string, audience?: string): AccessTokenClaims | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    const settings = this.runtime.current;
    this.cache.useEpoch(`${settings.algorithm}\u0000${settings.secretKey}`);
    const claims = this.cache.get(token, this.clock.nowSeconds());
    return claims && this.authorize(token, claims, audience);
  }

  /** The key for the token's header: see keyForHeader. */
  async verificationKey(token: string): Promise<TokenVerificationKey> {
    return this.keyForHeader(this.readHeader(token));
  }

  /** The unverified header, or InvalidTokenError saying why the input is not a token at all. */
  readHeader(token: string): Record<string, unknown> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenError('malformed token');
    }
    try {
      return readTokenParts(token).header;
    } catch (err) {
      throw new InvalidTokenError(
        err instanceof TokenFormatError ? err.message : 'malformed token',
      );
    }
  }

  /**
   * The key the header names, pinned to one algorithm: the kid's stored alg, or HS256 with the
   * configured secret in the FastAPI service's mode only. Everything else is refused here, before
   * a signature is looked at (alg none, HS256 keyed with a public key, a kid's alg swapped).
   */
  async keyForHeader(header: Record<string, unknown>): Promise<TokenVerificationKey> {
    const { alg, kid, crit } = header;
    if (crit !== undefined)
      throw new InvalidTokenError('token uses unsupported critical header parameters');
    if (alg === 'HS256') {
      const settings = this.runtime.current;
      // Never outside that mode: in asymmetric mode an HS256 token is an algorithm-confusion attempt.
      if (settings.algorithm !== 'HS256' || !settings.secretKey) {
        throw new InvalidTokenError('token algorithm is not accepted');
      }
      return { alg: 'HS256', key: this.secretKeyObject(settings.secretKey) };
    }
    if (!isKeyStoreAlg(alg)) throw new InvalidTokenError('token algorithm is not accepted');
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) {
      throw new InvalidTokenError('token has no valid key id');
    }
    const stored = await this.keys.verificationKey(kid);
    if (!stored) throw new InvalidTokenError('token signing key is unknown');
    if (stored.alg !== alg) throw new InvalidTokenError('token algorithm does not match its key');
    return { alg, key: stored.publicKey };
  }

  /**
   * RFC 9068 claim checks on a token whose signature jsonwebtoken has verified, then it is cached,
   * and audience and revocation are checked (on every request, cached or not).
   */
  acceptVerified(
    token: string,
    decoded: TokenParts,
    options: VerifyAccessTokenOptions = {},
  ): AccessTokenClaims {
    const nowSeconds = this.clock.nowSeconds();
    const symmetric = decoded.header.alg === 'HS256';
    let claims: CachedClaims;
    try {
      claims = {
        ...checkClaims(decoded, token, {
          issuer: this.config.issuer,
          nowSeconds,
          // The FastAPI service's own tokens (HS256 with its SECRET_KEY) lack typ/iss/jti: accepted in that mode only.
          lenient: symmetric,
          allowExpired: options.allowExpired === true,
        }),
        symmetric,
      };
    } catch (err) {
      if (err instanceof TokenClaimsError) throw new InvalidTokenError(err.message);
      throw err;
    }
    if (claims.exp > nowSeconds && !options.allowExpired) {
      const settings = this.runtime.current;
      this.cache.useEpoch(`${settings.algorithm}\u0000${settings.secretKey}`);
      this.cache.set(token, claims);
    }
    return this.authorize(token, claims, options.audience);
  }

  private authorize(token: string, claims: CachedClaims, audience?: string): AccessTokenClaims {
    if (audience !== undefined && !claims.aud.includes(audience)) {
      throw new InvalidTokenError('token audience is not accepted here');
    }
    if (this.revocation.isAccessTokenRevoked(claims, claims.symmetric ? token : undefined)) {
      throw new InvalidTokenError('token has been revoked');
    }
    const { symmetric: _symmetric, ...result } = claims;
    return result;
  }

  private signOptionsFor(key: SigningMaterial): JwtSignOptions {
    const options = this.checkedSignOptions(
      key.alg,
      { alg: key.alg, typ: 'at+jwt', kid: key.kid },
      key.privateKey,
    );
    this.signOptions.set(key, options);
    return options;
  }

  /**
   * jsonwebtoken checks on every call that the key fits the algorithm (key type, curve) and copies
   * the payload: a key's type never changes, and each payload here is a fresh object. So the check
   * runs once, on a probe signature with jsonwebtoken's defaults, and the options used per token
   * skip both. Built once: @nestjs/jwt and jsonwebtoken copy and validate every option per call.
   */
  private checkedSignOptions(
    algorithm: AccessTokenAlg,
    header: NonNullable<JwtSignOptions['header']>,
    privateKey: KeyObject,
  ): JwtSignOptions {
    // @nestjs/jwt types privateKey as a string or Buffer; jsonwebtoken takes the KeyObject as is.
    const key = privateKey as unknown as Buffer;
    this.jwt.sign({}, { algorithm, header, privateKey: key });
    return {
      algorithm,
      header,
      privateKey: key,
      mutatePayload: true,
      allowInvalidAsymmetricKeyTypes: true,
    };
  }

  private secretKeyObject(secret: string): KeyObject {
    return this.secretFor(secret).key;
  }

  private secretFor(secret: string): { key: KeyObject; signOptions?: JwtSignOptions } {
    if (this.secret?.value !== secret) {
      this.secret = { value: secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
    }
    return this.secret;
  }
}
