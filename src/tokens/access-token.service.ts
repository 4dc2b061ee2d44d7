import { Injectable } from '@nestjs/common';
import { InvalidTokenError, ServerError } from '../common/errors/oauth-errors';
import { AppConfig } from '../config/app-config.service';
import { RuntimeConfigService, type RuntimeSettings } from '../config/runtime-config.service';
import { checkClaims, TokenClaimsError } from './jwt/access-token-claims';
import {
  decodeJws,
  encodeSegment,
  JwsFormatError,
  signJws,
  verifyJws,
  type DecodedJws,
} from './jwt/jws';
import { newJti } from './jwt/jti';
import { VerifiedTokenCache } from './jwt/verified-token-cache';
import { SigningKeyService } from './signing-key.service';
import { RevocationService } from './revocation.service';
import {
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
  /** Verified as an HS256 token, so the seed's whole-token denylist applies too. */
  symmetric: boolean;
}

const ASYMMETRIC_ALGS = new Set(['ES256', 'RS256', 'EdDSA']);

/**
 * RFC 9068 access tokens. Signed with the active key of the key store, or with jwt_config's
 * SECRET_KEY when its ALGORITHM is HS256 (the seed's mode). verify() is the one verification path
 * (the passport strategy, introspection and revocation all use it).
 *
 * Verified tokens are cached (bounded LRU, until exp, dropped when the mode or secret changes), so
 * a repeated bearer token costs a map lookup; revocation is still checked on every call.
 */
@Injectable()
export class AccessTokenService {
  private readonly cache = new VerifiedTokenCache<CachedClaims>(VERIFIED_TOKEN_CACHE_SIZE);
  private readonly headers = new Map<string, string>();

  constructor(
    private readonly config: AppConfig,
    private readonly runtime: RuntimeConfigService,
    private readonly keys: SigningKeyService,
    private readonly revocation: RevocationService,
    private readonly clock: TokensClock,
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
    const payload = encodeSegment({
      iss: issuer,
      sub: req.clientId,
      aud: req.audience.length > 0 ? req.audience : [issuer],
      client_id: req.clientId,
      scope: req.scopes.join(' '),
      scopes: req.scopes,
      role: req.role,
      jti,
      iat,
      exp,
    });
    let token: string;
    if (settings.algorithm === 'HS256') {
      if (!settings.secretKey) throw new ServerError('HS256 mode requires jwt_config.SECRET_KEY');
      token = await signJws('HS256', `${this.header('HS256')}.${payload}`, settings.secretKey);
    } else {
      const key = await this.keys.activeKey();
      token = await signJws(key.alg, `${this.header(key.alg, key.kid)}.${payload}`, key.privateKey);
    }
    return { token, jti, expiresIn, exp };
  }

  /** Throws InvalidTokenError with a safe, specific description. */
  async verify(token: string, options: VerifyAccessTokenOptions = {}): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenError('malformed token');
    }
    const settings = this.runtime.current;
    this.cache.useEpoch(`${settings.algorithm}\u0000${settings.secretKey}`);
    const nowSeconds = this.clock.nowSeconds();
    let claims = options.allowExpired ? undefined : this.cache.get(token, nowSeconds);
    if (!claims) {
      claims = await this.verifyUncached(
        token,
        settings,
        nowSeconds,
        options.allowExpired === true,
      );
      if (claims.exp > nowSeconds) this.cache.set(token, claims);
    }
    if (options.audience !== undefined && !claims.aud.includes(options.audience)) {
      throw new InvalidTokenError('token audience is not accepted here');
    }
    if (this.revocation.isAccessTokenRevoked(claims, claims.symmetric ? token : undefined)) {
      throw new InvalidTokenError('token has been revoked');
    }
    const { symmetric: _symmetric, ...result } = claims;
    return result;
  }

  private async verifyUncached(
    token: string,
    settings: RuntimeSettings,
    nowSeconds: number,
    allowExpired: boolean,
  ): Promise<CachedClaims> {
    let jws: DecodedJws;
    try {
      jws = decodeJws(token);
    } catch (err) {
      throw new InvalidTokenError(err instanceof JwsFormatError ? err.message : 'malformed token');
    }
    const { alg, kid, crit } = jws.header;
    if (crit !== undefined)
      throw new InvalidTokenError('token uses unsupported critical header parameters');
    let symmetric = false;
    if (alg === 'HS256') {
      // Never outside the seed's mode: in asymmetric mode an HS256 token is an algorithm-confusion attempt.
      if (settings.algorithm !== 'HS256' || !settings.secretKey) {
        throw new InvalidTokenError('token algorithm is not accepted');
      }
      if (!verifyJws('HS256', jws, settings.secretKey))
        throw new InvalidTokenError('invalid token signature');
      symmetric = true;
    } else if (typeof alg === 'string' && ASYMMETRIC_ALGS.has(alg)) {
      if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) {
        throw new InvalidTokenError('token has no valid key id');
      }
      const key = await this.keys.verificationKey(kid);
      if (!key) throw new InvalidTokenError('token signing key is unknown');
      if (key.alg !== alg) throw new InvalidTokenError('token algorithm does not match its key');
      if (!verifyJws(key.alg, jws, key.publicKey))
        throw new InvalidTokenError('invalid token signature');
    } else {
      throw new InvalidTokenError('token algorithm is not accepted');
    }
    try {
      const claims = checkClaims(jws, token, {
        issuer: this.config.issuer,
        nowSeconds,
        // The seed's own tokens (HS256 with its SECRET_KEY) lack typ/iss/jti: accepted in that mode only.
        lenient: symmetric,
        allowExpired,
      });
      return { ...claims, symmetric };
    } catch (err) {
      if (err instanceof TokenClaimsError) throw new InvalidTokenError(err.message);
      throw err;
    }
  }

  /** Encoded headers are constant per (alg, kid): build each once. */
  private header(alg: string, kid?: string): string {
    const cacheKey = `${alg}:${kid ?? ''}`;
    let encoded = this.headers.get(cacheKey);
    if (encoded === undefined) {
      encoded = encodeSegment(
        kid === undefined ? { alg, typ: 'at+jwt' } : { alg, typ: 'at+jwt', kid },
      );
      this.headers.set(cacheKey, encoded);
    }
    return encoded;
  }
}
