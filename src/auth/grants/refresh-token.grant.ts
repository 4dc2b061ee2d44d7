import { Injectable } from '@nestjs/common';
import { ClientsService } from '../../clients/clients.service';
import type { OAuthClient } from '../../clients/clients.types';
import { InvalidGrantError, InvalidRequestError } from '../../common/errors/oauth-errors';
import {
  RefreshTokenConditionsUnmet,
  RefreshTokenService,
} from '../../tokens/refresh-token.service';
import type { RefreshGrant } from '../../tokens/tokens.types';
import { grantAudience, grantScopes, intersectScopes } from '../scope';
import {
  assertGrantAllowed,
  type GrantContext,
  type GrantDecision,
  type GrantHandler,
} from './grant-handler';

/**
 * RFC 6749 §6 with rotation: the presented token is consumed atomically and a new one of the same
 * family is issued. With an authenticated client (/oauth/token) the token must be that client's;
 * the FastAPI service's /refresh has no client authentication and trusts the token alone, as the FastAPI service did.
 *
 * Every check that can refuse the refresh runs before the token is consumed: the client's state
 * and grants here, scope and resource as conditions of the compare-and-set itself (so a refused
 * request leaves the token usable, and a retry is not mistaken for reuse).
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    private readonly refreshTokens: RefreshTokenService,
    private readonly clients: ClientsService,
  ) {}

  async resolve(ctx: GrantContext): Promise<GrantDecision> {
    const { refreshToken, meta, requestedScopes, requestedResources } = ctx;
    if (!refreshToken) throw new InvalidRequestError('refresh_token is required');
    const client = ctx.client ?? (await this.ownerAllowedToRefresh(refreshToken));
    let grant: RefreshGrant;
    try {
      grant = await this.refreshTokens.consume(
        refreshToken,
        {
          // An unknown token has no owner: the claim then fails and is explained as unknown.
          clientId: client?.clientId,
          clientRef: client?.registrationId,
          scopes: requestedScopes,
          audience: requestedResources,
          ...(ctx.dpopJkt !== undefined && { dpopJkt: ctx.dpopJkt }),
        },
        meta,
        client?.refreshGraceSeconds ?? 0,
      );
    } catch (err) {
      if (!(err instanceof RefreshTokenConditionsUnmet)) throw err;
      // Worded as the pipeline words them; the token was not consumed.
      if (client) {
        grantScopes(requestedScopes, intersectScopes(err.grant.scopes, client.scopes));
        grantAudience(requestedResources, err.grant.audience, err.grant.audience);
      }
      throw new InvalidGrantError('refresh token could not be used');
    }
    if (!client)
      throw new InvalidGrantError('the client of this refresh token is disabled or unknown');
    const scopes = intersectScopes(grant.scopes, client.scopes);
    if (grant.replay) {
      const { replay } = grant;
      return {
        client,
        allowedScopes: replay.scopes,
        allowedAudiences: replay.audience,
        defaultAudience: replay.audience,
        issueRefreshToken: true,
        replay,
      };
    }
    return {
      client,
      allowedScopes: scopes,
      allowedAudiences: grant.audience,
      defaultAudience: grant.audience,
      issueRefreshToken: true,
      family: {
        id: grant.familyId,
        scopes,
        audience: grant.audience,
        parentIssuedAtMs: grant.issuedAtMs,
        ...(grant.grace && { grace: grant.grace }),
      },
    };
  }

  /**
   * Without client authentication the owner is known only from the token: a disabled or deleted
   * owner, or one without the refresh grant, is refused before the token is consumed. Null when
   * the token is unknown (the claim then reports it).
   */
  private async ownerAllowedToRefresh(refreshToken: string): Promise<OAuthClient | null> {
    const ownerId = await this.refreshTokens.ownerOf(refreshToken);
    if (ownerId === undefined) return null;
    const owner = await this.clients.findActive(ownerId);
    if (!owner)
      throw new InvalidGrantError('the client of this refresh token is disabled or unknown');
    assertGrantAllowed(owner, this.grantType);
    return owner;
  }
}
