import { Injectable } from '@nestjs/common';
import type { ClientCredentials, GrantType, OAuthClient } from '../clients/clients.types';
import type { RequestMeta } from '../common/http/request-context';
import { EventBus } from '../common/events';
import {
  InvalidDpopProofError,
  InvalidRequestError,
  UnsupportedGrantTypeError,
} from '../common/errors/oauth-errors';
import { AppConfig } from '../config/app-config.service';
import { DpopService } from '../dpop/dpop.service';
import { AccessTokenService } from '../tokens/access-token.service';
import { RefreshTokenService } from '../tokens/refresh-token.service';
import type { GracePair, IssuedAccessToken } from '../tokens/tokens.types';
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
  /** The FastAPI service's /refresh: the refresh token alone identifies the client. */
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
  /**
   * RFC 9449: the `DPoP` header and the URL its `htu` must name. Only /oauth/token reads the
   * header; the FastAPI service's endpoints leave this unset (a DPoP-required client fails there).
   */
  dpop?: { proof: string | string[] | undefined; htu: string };
  meta: RequestMeta;
}

export interface TokenIssue {
  client: OAuthClient;
  grantType: GrantType;
  accessToken: IssuedAccessToken;
  refreshToken?: string;
  scopes: string[];
  audience: string[];
  /** RFC 7638 thumbprint of the DPoP key the tokens are bound to (`token_type: DPoP`). */
  dpopJkt?: string;
  /** Token exchange: the subject and actor of the new token, and its RFC 8693 type. */
  delegation?: GrantDecision['delegation'];
}

interface Requested {
  scopes: string[];
  resources: string[];
}

/**
 * The token endpoint as a pipeline of named steps, shared by /oauth/token and the FastAPI service's /token
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
    private readonly dpop: DpopService,
    private readonly config: AppConfig,
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
    // Before the grant runs, so an unacceptable proof does not burn a refresh token.
    const dpopJkt = client ? await this.dpopBinding(request, client) : undefined;
    const decision = await handler.resolve({
      client,
      requestedScopes: requested.scopes,
      requestedResources: requested.resources,
      refreshToken: request.refreshToken,
      dpopJkt: dpopJkt ?? null,
      exchange: request.exchange,
      meta: request.meta,
    });
    if (!client) {
      assertGrantAllowed(decision.client, handler.grantType);
      this.assertDpopOptional(decision.client);
    }
    // A retry within the grace period gets its first use's pair as it was issued (that use
    // already passed the checks below and emitted token.issued); only the lifetime has run on.
    if (decision.replay) return this.replayed(handler.grantType, decision.client, decision.replay);
    const scopes = this.checkScope(requested, decision.allowedScopes);
    const audience = this.resolveResource(requested, decision);
    const issued = await this.issue(
      handler.grantType,
      decision,
      scopes,
      audience,
      request.meta,
      dpopJkt,
    );
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

  /**
   * RFC 9449 §5: a request with a `DPoP` proof gets tokens bound to its key; a client registered
   * with `dpop_bound_access_tokens` must send one (§5.2). The thumbprint, or undefined (Bearer).
   */
  private async dpopBinding(
    request: TokenRequest,
    client: OAuthClient,
  ): Promise<string | undefined> {
    const proof = request.dpop?.proof;
    if (!request.dpop || proof === undefined || proof === '') {
      this.assertDpopOptional(client);
      return undefined;
    }
    const verified = await this.dpop.verify({
      proof,
      htm: 'POST',
      htu: request.dpop.htu,
      nonceRequired: this.config.dpop.nonceRequired || client.dpopNonceRequired,
    });
    return verified.jkt;
  }

  private assertDpopOptional(client: OAuthClient): void {
    if (client.dpopBoundAccessTokens)
      throw new InvalidDpopProofError('this client requires a DPoP proof', {
        detail: 'DPoP proof is missing (the client requires DPoP-bound tokens)',
      });
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
    dpopJkt: string | undefined,
  ): Promise<TokenIssue> {
    const { client, family } = decision;
    const accessToken = await this.accessTokens.issue({
      clientId: client.clientId,
      scopes,
      role: client.role,
      audience,
      ttlSeconds: client.accessTokenTtlSeconds,
      ...(dpopJkt !== undefined && { dpopJkt }),
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
          ...(dpopJkt !== undefined && { dpopJkt }),
          meta,
        })
      : undefined;
    if (family?.grace && refreshToken !== undefined) {
      await this.refreshTokens.rememberPair(family.grace, {
        accessToken,
        refreshToken,
        scopes,
        audience,
        ...(dpopJkt !== undefined && { dpopJkt }),
      });
    }
    return {
      client,
      grantType,
      accessToken,
      refreshToken,
      scopes,
      audience,
      ...(decision.delegation && { delegation: decision.delegation }),
      ...(dpopJkt !== undefined && { dpopJkt }),
    };
  }

  private replayed(grantType: GrantType, client: OAuthClient, pair: GracePair): TokenIssue {
    const remaining = Math.max(0, pair.accessToken.exp - Math.floor(Date.now() / 1000));
    return {
      client,
      grantType,
      accessToken: { ...pair.accessToken, expiresIn: remaining },
      refreshToken: pair.refreshToken,
      scopes: pair.scopes,
      audience: pair.audience,
      ...(pair.dpopJkt !== undefined && { dpopJkt: pair.dpopJkt }),
    };
  }

  private emitIssued(issued: TokenIssue, meta: RequestMeta): void {
    this.events.emit('token.issued', {
      clientId: issued.client.clientId,
      ip: meta.ip,
      requestId: meta.requestId,
      request: meta,
      reason: `${issued.grantType} grant`,
      grantType: issued.grantType,
      jti: issued.accessToken.jti,
      scope: issued.scopes,
      audience: issued.audience,
      refreshTokenIssued: issued.refreshToken !== undefined,
      ...(issued.dpopJkt !== undefined && { jkt: issued.dpopJkt }),
      ...(issued.delegation && {
        subject: issued.delegation.subject,
        ...(issued.delegation.actor !== undefined && { actor: issued.delegation.actor }),
      }),
    });
  }
}
