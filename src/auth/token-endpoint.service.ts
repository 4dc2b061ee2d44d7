import { Injectable } from '@nestjs/common';
import type { ClientCredentials, GrantType, OAuthClient } from '../clients/clients.types';
import type { RequestMeta } from '../common/http/request-context';
import { EventBus } from '../common/events';
import { InvalidRequestError, UnsupportedGrantTypeError } from '../common/errors/oauth-errors';
import { AccessTokenService } from '../tokens/access-token.service';
import { RefreshTokenService } from '../tokens/refresh-token.service';
import type { IssuedAccessToken } from '../tokens/tokens.types';
import { ClientAuthenticator, type ClientAuthParams } from './client-authenticator.service';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import {
  assertGrantAllowed,
  type GrantDecision,
  type GrantHandler,
  type TokenExchangeParams,
} from './grants/grant-handler';
import { TokenExchangeGrant } from './grants/token-exchange.grant';
import { PasswordGrant } from './grants/password.grant';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { grantAudience, grantScopes, parseResources, parseScope } from './scope';

/** How the request presents its client. */
export type ClientAuthInput =
  | { kind: 'request'; authorization?: string; params: ClientAuthParams }
  | { kind: 'credentials'; credentials: ClientCredentials }
  /** The seed's /refresh: the refresh token alone identifies the client. */
  | { kind: 'none' };

export interface TokenRequest {
  grantType: string | undefined;
  /** Grants this endpoint offers; others are unsupported_grant_type here. */
  offeredGrants: readonly GrantType[];
  scope?: string;
  resource?: string | string[];
  refreshToken?: string;
  exchange?: TokenExchangeParams;
  clientAuth: ClientAuthInput;
  meta: RequestMeta;
}

export interface TokenIssue {
  client: OAuthClient;
  grantType: GrantType;
  accessToken: IssuedAccessToken;
  refreshToken?: string;
  scopes: string[];
  audience: string[];
  /** Token exchange: the subject and actor of the new token, and its RFC 8693 type. */
  delegation?: GrantDecision['delegation'];
}

interface Requested {
  scopes: string[];
  resources: string[];
}

/**
 * The token endpoint as a pipeline of named steps, shared by /oauth/token and the seed's /token
 * and /refresh: authenticate the client → pick the grant handler → check the grant is allowed →
 * check scope and resource → issue → emit. Errors propagate as OAuthErrors; the exception filter
 * renders them and emits 'token.denied'.
 */
@Injectable()
export class TokenEndpointService {
  private readonly handlers: Record<GrantType, GrantHandler>;

  constructor(
    private readonly authenticator: ClientAuthenticator,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly events: EventBus,
    clientCredentials: ClientCredentialsGrant,
    refreshToken: RefreshTokenGrant,
    password: PasswordGrant,
    tokenExchange: TokenExchangeGrant,
  ) {
    this.handlers = {
      client_credentials: clientCredentials,
      refresh_token: refreshToken,
      password,
      [tokenExchange.grantType]: tokenExchange,
    };
  }

  async handle(request: TokenRequest): Promise<TokenIssue> {
    const client = await this.authenticateClient(request);
    const handler = this.selectGrantHandler(request);
    const requested = this.parseRequested(request);
    if (client) {
      assertGrantAllowed(client, handler.grantType);
      // Checked before the grant runs, so a refresh token is not burnt by a request that cannot succeed.
      this.checkScope(requested, client.scopes);
    }
    const decision = await handler.resolve({
      client,
      requestedScopes: requested.scopes,
      requestedResources: requested.resources,
      refreshToken: request.refreshToken,
      exchange: request.exchange,
      meta: request.meta,
    });
    if (!client) assertGrantAllowed(decision.client, handler.grantType);
    const scopes = this.checkScope(requested, decision.allowedScopes);
    const audience = this.resolveResource(requested, decision);
    const issued = await this.issue(handler.grantType, decision, scopes, audience, request.meta);
    this.emitIssued(issued, request.meta);
    return issued;
  }

  private authenticateClient({ clientAuth, meta }: TokenRequest): Promise<OAuthClient | null> {
    switch (clientAuth.kind) {
      case 'request':
        return this.authenticator.authenticate(clientAuth.authorization, clientAuth.params, meta);
      case 'credentials':
        return this.authenticator.verify(clientAuth.credentials, meta);
      case 'none':
        return Promise.resolve(null);
    }
  }

  private selectGrantHandler({ grantType, offeredGrants }: TokenRequest): GrantHandler {
    if (grantType === undefined || grantType === '')
      throw new InvalidRequestError('grant_type is required');
    const offered = offeredGrants.find((g) => g === grantType);
    if (!offered) throw new UnsupportedGrantTypeError(`grant_type ${grantType} is not supported`);
    return this.handlers[offered];
  }

  private parseRequested({ scope, resource }: TokenRequest): Requested {
    return { scopes: parseScope(scope), resources: parseResources(resource) };
  }

  private checkScope(requested: Requested, allowed: readonly string[]): string[] {
    return grantScopes(requested.scopes, allowed);
  }

  private resolveResource(requested: Requested, decision: GrantDecision): string[] {
    if (decision.targetAudience) return decision.targetAudience;
    return grantAudience(requested.resources, decision.allowedAudiences, decision.defaultAudience);
  }

  private async issue(
    grantType: GrantType,
    decision: GrantDecision,
    scopes: string[],
    audience: string[],
    meta: RequestMeta,
  ): Promise<TokenIssue> {
    const { client, family } = decision;
    const accessToken = await this.accessTokens.issue({
      clientId: client.clientId,
      scopes,
      role: client.role,
      audience,
      ttlSeconds: client.accessTokenTtlSeconds,
      ...(decision.delegation && {
        subject: decision.delegation.subject,
        ...(decision.delegation.act && { act: decision.delegation.act }),
      }),
    });
    const refreshToken = decision.issueRefreshToken
      ? await this.refreshTokens.issue({
          clientId: client.clientId,
          scopes: family?.scopes ?? scopes,
          role: client.role,
          audience: family?.audience ?? audience,
          clientRef: client.registrationId,
          ...(family && {
            rotation: { familyId: family.id, parentIssuedAtMs: family.parentIssuedAtMs },
          }),
          accessJti: accessToken.jti,
          accessExp: accessToken.exp,
          meta,
        })
      : undefined;
    return {
      client,
      grantType,
      accessToken,
      refreshToken,
      scopes,
      audience,
      ...(decision.delegation && { delegation: decision.delegation }),
    };
  }

  private emitIssued(issued: TokenIssue, meta: RequestMeta): void {
    this.events.emit('token.issued', {
      clientId: issued.client.clientId,
      ip: meta.ip,
      requestId: meta.requestId,
      reason: `${issued.grantType} grant`,
      grantType: issued.grantType,
      jti: issued.accessToken.jti,
      scope: issued.scopes,
      audience: issued.audience,
      refreshTokenIssued: issued.refreshToken !== undefined,
      ...(issued.delegation && {
        subject: issued.delegation.subject,
        ...(issued.delegation.actor !== undefined && { actor: issued.delegation.actor }),
      }),
    });
  }
}
