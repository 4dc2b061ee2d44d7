import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service';
import type { RequestMeta } from '../common/http/request-context';
import { InvalidTokenError, OAuthError } from '../common/errors/oauth-errors';
import { AccessTokenService } from '../tokens/access-token.service';
import { IntrospectionService } from '../tokens/introspection.service';
import { RevocationService } from '../tokens/revocation.service';
import type { AccessTokenClaims, IntrospectionResult } from '../tokens/tokens.types';
import { ClientAuthenticator } from './client-authenticator.service';
import type { TokenOperationRequestDto } from './dto/token-operation.dto';

/** Access tokens are JWTs (three dot-separated parts); refresh tokens are opaque. */
const looksLikeJwt = (token: string): boolean => token.split('.').length === 3;

/** Revocation (RFC 7009, and the FastAPI service's /revoke) and introspection (RFC 7662). */
@Injectable()
export class TokenOperationsService {
  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly accessTokens: AccessTokenService,
    private readonly revocation: RevocationService,
    private readonly introspection: IntrospectionService,
    private readonly clients: ClientsService,
  ) {}

  /**
   * RFC 7009 §2.2: 200 whether or not the token was known. Only the owning client's tokens are
   * revoked; a foreign or invalid token is silently left alone. The hint is not needed: the
   * token's shape tells which kind it is.
   */
  async revoke(
    dto: TokenOperationRequestDto,
    authorization: string | undefined,
    meta: RequestMeta,
  ): Promise<void> {
    const client = await this.authenticator.authenticate(authorization, dto, meta);
    if (looksLikeJwt(dto.token)) {
      const claims = await this.verifyOrNull(dto.token);
      if (claims?.client_id === client.clientId)
        await this.revocation.revokeAccessToken(claims, meta);
      return;
    }
    await this.ignoreOAuthErrors(
      this.revocation.revokeRefreshToken(dto.token, client.clientId, meta),
    );
  }

  async introspect(
    dto: TokenOperationRequestDto,
    authorization: string | undefined,
    meta: RequestMeta,
  ): Promise<IntrospectionResult> {
    const client = await this.authenticator.authenticate(authorization, dto, meta);
    return this.introspection.introspect(
      dto.token,
      dto.token_type_hint,
      client.clientId,
      { scopes: client.scopes, role: client.role },
      async (ownerId) => {
        const owner = await this.clients.findActive(ownerId);
        return owner ? owner.registrationId : null;
      },
    );
  }

  /** The FastAPI service's /revoke: any token this server signed, even an expired one, is denylisted by jti. */
  async revokeLegacy(accessToken: string, meta: RequestMeta): Promise<{ message: string }> {
    const claims = await this.accessTokens.verify(accessToken, { allowExpired: true });
    await this.revocation.revokeAccessToken(claims, meta);
    return { message: 'Token revoked' };
  }

  private async verifyOrNull(token: string): Promise<AccessTokenClaims | null> {
    try {
      return await this.accessTokens.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return null;
      throw err;
    }
  }

  private async ignoreOAuthErrors(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (err) {
      if (!(err instanceof OAuthError) || err.status >= 500) throw err;
    }
  }
}
