import { Injectable } from '@nestjs/common';
import { ClientAuthService } from '../clients/client-auth.service';
import type { ClientCredentials, OAuthClient } from '../clients/clients.types';
import { AppConfig } from '../config/app-config.service';
import { InvalidClientError, InvalidRequestError } from '../common/errors/oauth-errors';
import { parseBasic, unverifiedClaims, type RequestMeta } from '../common/http/request-context';
import { FailedAuthLimiter } from '../rate-limiting/failed-auth.limiter';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The client-authentication fields an OAuth endpoint's form may carry. */
export interface ClientAuthParams {
  client_id?: string;
  client_secret?: string;
  client_assertion_type?: string;
  client_assertion?: string;
}

/**
 * Turns how a request presents its client (HTTP Basic, form fields or a signed assertion) into
 * ClientCredentials, and lets ClientAuthService decide whether they are good, within the source
 * address's allowance of failed authentications. The Basic challenge of a refusal is added by
 * the exception filter, which sees the request.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clientAuth: ClientAuthService,
    private readonly config: AppConfig,
    private readonly failedAuth: FailedAuthLimiter,
  ) {}

  async authenticate(
    authorization: string | undefined,
    params: ClientAuthParams,
    meta: RequestMeta,
  ): Promise<OAuthClient> {
    return this.verify(this.extract(authorization, params), meta);
  }

  /** For endpoints that already know the credentials (the FastAPI service's /token form). */
  verify(credentials: ClientCredentials, meta: RequestMeta): Promise<OAuthClient> {
    const claimed =
      credentials.method === 'private_key_jwt'
        ? unverifiedClaims(credentials.assertion)?.iss
        : credentials.clientId;
    return this.failedAuth.attempt(meta, typeof claimed === 'string' ? claimed : undefined, () =>
      this.clientAuth.authenticate(credentials, meta),
    );
  }

  extract(authorization: string | undefined, params: ClientAuthParams): ClientCredentials {
    const basic = parseBasic(authorization);
    const usesPost = params.client_secret !== undefined;
    const usesJwt =
      params.client_assertion !== undefined || params.client_assertion_type !== undefined;
    if ([basic !== undefined, usesPost, usesJwt].filter(Boolean).length > 1) {
      throw new InvalidRequestError('more than one client authentication method was used');
    }
    if (basic) {
      if (params.client_id !== undefined && params.client_id !== basic.clientId) {
        throw new InvalidRequestError('client_id does not match the Authorization header');
      }
      return { method: 'client_secret_basic', ...basic };
    }
    if (usesPost) {
      if (!params.client_id)
        throw new InvalidRequestError('client_id is required with client_secret');
      return {
        method: 'client_secret_post',
        clientId: params.client_id,
        clientSecret: params.client_secret ?? '',
      };
    }
    if (usesJwt) return this.assertionCredentials(params);
    throw new InvalidClientError('client authentication is required');
  }

  private assertionCredentials(params: ClientAuthParams): ClientCredentials {
    if (params.client_assertion_type !== JWT_BEARER_ASSERTION) {
      throw new InvalidRequestError(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    }
    if (!params.client_assertion) throw new InvalidRequestError('client_assertion is required');
    const issuer = this.config.issuer;
    return {
      method: 'private_key_jwt',
      clientId: params.client_id,
      assertion: params.client_assertion,
      expectedAudiences: [`${issuer}/oauth/token`, issuer],
    };
  }
}
