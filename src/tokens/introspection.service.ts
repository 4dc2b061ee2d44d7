import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from '../common/errors/oauth-errors';
import { AccessTokenService } from './access-token.service';
import { RefreshTokenRepository } from './refresh-token.repository';
import { sha256Hex } from './revocation.service';
import { TokensClock } from './tokens.clock';
import type { IntrospectionResult } from './tokens.types';

/** What the caller may see beyond its own tokens (the HTTP layer knows the client record). */
export interface IntrospectionRequester {
  scopes?: string[];
  role?: string;
}

/**
 * The current registration of a client (its document _id), null when the client is unknown or
 * disabled: a refresh token of a deleted, disabled or re-created client is not active.
 */
export type RegistrationLookup = (clientId: string) => Promise<string | undefined | null>;

const INACTIVE: IntrospectionResult = Object.freeze({ active: false });

/** Scope that lets a client (e.g. a resource server) introspect tokens issued to other clients. */
export const INTROSPECT_ANY_SCOPE = 'introspect';

/**
 * RFC 7662. Following §2.2's privacy guidance, a client learns about its own tokens only, unless
 * it holds the `introspect` scope or the `admin` role (resource servers and operators): anything
 * else is `{active: false}`, indistinguishable from an unknown token.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly clock: TokensClock,
  ) {}

  async introspect(
    token: string,
    hint: string | undefined,
    requestingClientId: string,
    requester: IntrospectionRequester = {},
    registrationOf?: RegistrationLookup,
  ): Promise<IntrospectionResult> {
    if (typeof token !== 'string' || token.length === 0) return INACTIVE;
    const privileged =
      requester.role === 'admin' || (requester.scopes ?? []).includes(INTROSPECT_ANY_SCOPE);
    // The hint only orders the lookups (RFC 7662 §2.1); both kinds are always tried.
    const lookups =
      hint === 'refresh_token'
        ? [() => this.refresh(token, registrationOf), () => this.access(token)]
        : [() => this.access(token), () => this.refresh(token, registrationOf)];
    for (const lookup of lookups) {
      const result = await lookup();
      if (!result) continue;
      const visible = result.client_id === requestingClientId || privileged;
      return result.active && visible ? result : INACTIVE;
    }
    return INACTIVE;
  }

  private async access(token: string): Promise<IntrospectionResult | undefined> {
    // Anything that does not look like a compact JWS cannot be an access token.
    if (token.split('.').length !== 3) return undefined;
    try {
      const c = await this.accessTokens.verify(token);
      return {
        active: true,
        scope: c.scope,
        client_id: c.client_id,
        sub: c.sub,
        aud: c.aud,
        iss: c.iss,
        exp: c.exp,
        iat: c.iat,
        jti: c.jti,
        // RFC 9449 §6.2: a bound token says so, and names its key.
        token_type: c.cnf ? 'DPoP' : 'Bearer',
        role: c.role,
        ...(c.cnf && { cnf: { jkt: c.cnf.jkt } }),
      };
    } catch (err) {
      if (err instanceof InvalidTokenError) return INACTIVE;
      throw err;
    }
  }

  private async refresh(
    token: string,
    registrationOf?: RegistrationLookup,
  ): Promise<IntrospectionResult | undefined> {
    if (token.length > 512) return undefined;
    // Also a token the FastAPI service stored in plaintext: /refresh accepts it, so it is
    // introspectable.
    const doc = await this.refreshTokens.findByToken(token, sha256Hex(token));
    if (!doc) return undefined;
    const live =
      !doc.used_at && !doc.revoked_at && (doc.expires_at?.getTime() ?? 0) > this.clock.now();
    if (!live) return INACTIVE;
    if (registrationOf) {
      const current = await registrationOf(doc.client_id);
      if (current === null) return INACTIVE;
      if (doc.client_ref && current !== undefined && current !== doc.client_ref) return INACTIVE;
    }
    return {
      active: true,
      scope: (doc.scopes ?? []).join(' '),
      client_id: doc.client_id,
      sub: doc.client_id,
      aud: doc.audience,
      exp: Math.floor((doc.expires_at as Date).getTime() / 1000),
      ...(doc.created_at instanceof Date && { iat: Math.floor(doc.created_at.getTime() / 1000) }),
      token_type: 'refresh_token',
      role: doc.role,
      ...(typeof doc.dpop_jkt === 'string' && { cnf: { jkt: doc.dpop_jkt } }),
    };
  }
}
