import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import { InvalidGrantError, InvalidRequestError } from '../../common/errors/oauth-errors';
import { RefreshTokenService } from '../../tokens/refresh-token.service';
import { intersectScopes } from '../scope';
import {
  assertGrantAllowed,
  type GrantContext,
  type GrantDecision,
  type GrantHandler,
} from './grant-handler';

/**
 * RFC 6749 §6 with rotation: the presented token is consumed atomically and a new one of the same
 * family is issued. With an authenticated client (/oauth/token) the token must be that client's;
 * the seed's /refresh has no client authentication and trusts the token alone, as the seed did.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    private readonly refreshTokens: RefreshTokenService,
    private readonly clients: ClientsService,
  ) {}

  async resolve({ client: caller, refreshToken, meta }: GrantContext): Promise<GrantDecision> {
    if (!refreshToken) throw new InvalidRequestError('refresh_token is required');
    if (!caller) await this.refuseOwnerWithoutRefreshGrant(refreshToken);
    const grant = await this.refreshTokens.consume(
      refreshToken,
      { clientId: caller?.clientId },
      meta,
    );
    // Re-read: a client whose scopes were cut or who was disabled since must not keep its old grant.
    const client = await this.clients.findActive(grant.clientId);
    if (!client)
      throw new InvalidGrantError('the client of this refresh token is disabled or unknown');
    const scopes = intersectScopes(grant.scopes, client.scopes);
    return {
      client,
      allowedScopes: scopes,
      allowedAudiences: grant.audience,
      defaultAudience: grant.audience,
      issueRefreshToken: true,
      family: { id: grant.familyId, scopes, audience: grant.audience },
    };
  }

  /** Without client authentication the owner is known only from the token: check it first. */
  private async refuseOwnerWithoutRefreshGrant(refreshToken: string): Promise<void> {
    const ownerId = await this.refreshTokens.ownerOf(refreshToken);
    const owner = ownerId === undefined ? null : await this.clients.findActive(ownerId);
    if (owner) assertGrantAllowed(owner, this.grantType);
  }
}
