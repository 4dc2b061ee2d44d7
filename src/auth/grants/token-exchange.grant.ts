import { Injectable } from '@nestjs/common';
import { ClientAuthService } from '../../clients/client-auth.service';
import { TOKEN_EXCHANGE_GRANT, type OAuthClient } from '../../clients/clients.types';
import {
  InvalidClientError,
  InvalidRequestError,
  InvalidTargetError,
  OAuthError,
} from '../../common/errors/oauth-errors';
import { AppConfig } from '../../config/app-config.service';
import { AccessTokenService } from '../../tokens/access-token.service';
import type { ActorClaim } from '../../tokens/tokens.types';
import { intersectScopes } from '../scope';
import type {
  GrantContext,
  GrantDecision,
  GrantHandler,
  TokenExchangeParams,
} from './grant-handler';

export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const TOKEN_TYPES = [ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE];

/** A verified subject or actor: who, what scopes it carries, and the delegation chain it brings. */
interface Party {
  sub: string;
  iss: string;
  scopes?: string[];
  act?: ActorClaim;
}

/**
 * RFC 8693 token exchange: the authenticated client trades a subject token (an access token of
 * this server, or a workload JWT of one of its own federated issuers) for a narrower access token
 * for another audience. With an actor token it is delegation: the new token's `act` names the
 * actor, and an `act` the subject token already had nests inside (§4.1), so the chain stays
 * visible. The targets must be in the client's token_exchange policy; the scope can only narrow.
 * Invalid tokens and unsupported types are invalid_request, as §2.2.2 requires.
 */
@Injectable()
export class TokenExchangeGrant implements GrantHandler {
  readonly grantType = TOKEN_EXCHANGE_GRANT;

  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly clientAuth: ClientAuthService,
    private readonly config: AppConfig,
  ) {}

  async resolve({ client, exchange, requestedResources }: GrantContext): Promise<GrantDecision> {
    if (!client) throw new InvalidClientError('client authentication is required');
    const params = exchange ?? { audience: [] };
    const subjectToken = required(params.subjectToken, 'subject_token');
    const subjectType = tokenType(params.subjectTokenType, 'subject_token_type');
    if (params.actorToken === undefined && params.actorTokenType !== undefined) {
      throw new InvalidRequestError('actor_token_type is only allowed with actor_token');
    }
    if (
      params.requestedTokenType !== undefined &&
      !TOKEN_TYPES.includes(params.requestedTokenType)
    ) {
      throw new InvalidRequestError(
        `requested_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`,
      );
    }
    // Every parameter is checked before any token is verified (a jti may be spent by that).
    const actorType =
      params.actorToken === undefined
        ? undefined
        : tokenType(params.actorTokenType, 'actor_token_type');
    const targets = this.targets(client, params, requestedResources);
    const subject = await this.verify(client, subjectToken, subjectType, 'subject_token');
    const actor =
      params.actorToken !== undefined && actorType !== undefined
        ? await this.verify(client, params.actorToken, actorType, 'actor_token')
        : undefined;
    const act: ActorClaim | undefined = actor
      ? { sub: actor.sub, iss: actor.iss, ...(subject.act && { act: subject.act }) }
      : subject.act;
    return {
      client,
      // Never wider than what the subject token carried, nor than the client may have.
      allowedScopes: subject.scopes
        ? intersectScopes(subject.scopes, client.scopes)
        : client.scopes,
      allowedAudiences: client.tokenExchangeAudiences ?? [],
      defaultAudience: [],
      targetAudience: targets,
      issueRefreshToken: false,
      delegation: {
        subject: subject.sub,
        ...(act && { act }),
        ...(actor && { actor: actor.sub }),
        issuedTokenType: ACCESS_TOKEN_TYPE,
      },
    };
  }

  /** `audience` and `resource` together name the targets; each must be in the client's policy. */
  private targets(client: OAuthClient, params: TokenExchangeParams, resources: string[]): string[] {
    const requested = [...new Set([...params.audience, ...resources])];
    if (requested.length === 0) {
      throw new InvalidTargetError('token exchange requires an audience or resource');
    }
    const allowed = client.tokenExchangeAudiences ?? [];
    const refused = requested.filter((a) => !allowed.includes(a));
    if (refused.length > 0) {
      throw new InvalidTargetError(
        `this client may not exchange tokens for: ${refused.join(' ').slice(0, 300)}`,
      );
    }
    return requested;
  }

  private async verify(
    client: OAuthClient,
    token: string,
    type: string,
    name: 'subject_token' | 'actor_token',
  ): Promise<Party> {
    if (type === ACCESS_TOKEN_TYPE) {
      try {
        const claims = await this.accessTokens.verify(token);
        return {
          sub: claims.sub,
          iss: claims.iss,
          scopes: claims.scopes,
          ...(claims.act && { act: claims.act }),
        };
      } catch (err) {
        if (!(err instanceof OAuthError)) throw err;
        throw new InvalidRequestError(`${name} is invalid`, { detail: err.description });
      }
    }
    const issuer = this.config.issuer;
    const verified = await this.clientAuth.verifyFederatedToken(token, client.clientId, [
      issuer,
      `${issuer}/oauth/token`,
    ]);
    if (!verified.ok) {
      throw new InvalidRequestError(`${name} is invalid`, { detail: verified.reason });
    }
    return { sub: verified.subject, iss: verified.issuer };
  }
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new InvalidRequestError(`${name} is required`);
  return value;
}

function tokenType(value: string | undefined, name: string): string {
  const type = required(value, name);
  if (!TOKEN_TYPES.includes(type)) {
    throw new InvalidRequestError(`${name} must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}`);
  }
  return type;
}
