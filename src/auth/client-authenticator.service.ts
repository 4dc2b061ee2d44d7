import { Injectable } from '@nestjs/common';
import { ClientAuthService } from '../clients/client-auth.service';
import type { ClientCredentials, OAuthClient, RequestMeta } from '../clients/clients.types';
import { AppConfig } from '../config/app-config.service';
import { InvalidClientError, InvalidRequestError, OAuthError } from '../common/errors/oauth-errors';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
import { BASIC_CHALLENGE } from '../clients/client-credentials';

export { BASIC_CHALLENGE };

/** The client-authentication fields an OAuth endpoint's form may carry. */
export interface ClientAuthParams {
  client_id?: string;
  client_secret?: string;
  client_assertion_type?: string;
  client_assertion?: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** RFC 6749 §2.3.1: the id and secret are application/x-www-form-urlencoded before base64. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Throws InvalidClientError with the Basic challenge; undefined when the header is not Basic. */
export function parseBasicAuthorization(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  if (header === undefined) return undefined;
  const match = /^basic(?:\s+(.*))?$/is.exec(header.trim());
  if (!match) return undefined;
  const malformed = (): InvalidClientError =>
    new InvalidClientError('malformed HTTP Basic authorization header').withHeader(
      'WWW-Authenticate',
      BASIC_CHALLENGE,
    );
  const encoded = (match[1] ?? '').trim();
  if (!BASE64.test(encoded)) throw malformed();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw malformed();
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (clientId.length === 0) throw malformed();
    return { clientId, clientSecret };
  } catch (err) {
    if (err instanceof OAuthError) throw err;
    throw malformed();
  }
}

/**
 * Turns how a request presents its client (HTTP Basic, form fields or a signed assertion) into
 * ClientCredentials, and lets ClientAuthService decide whether they are good.
 */
@Injectable()
export class ClientAuthenticator {
  constructor(
    private readonly clientAuth: ClientAuthService,
    private readonly config: AppConfig,
  ) {}

  async authenticate(
    authorization: string | undefined,
    params: ClientAuthParams,
    meta: RequestMeta,
  ): Promise<OAuthClient> {
    const credentials = this.extract(authorization, params);
    return this.verify(credentials, meta, authorization !== undefined);
  }

  /** For endpoints that already know the credentials (the seed's /token form). */
  async verify(
    credentials: ClientCredentials,
    meta: RequestMeta,
    challenge = false,
  ): Promise<OAuthClient> {
    try {
      return await this.clientAuth.authenticate(credentials, meta);
    } catch (err) {
      // RFC 6749 §5.2: a client that tried HTTP Basic gets a challenge with its 401.
      if (
        err instanceof InvalidClientError &&
        (challenge || credentials.method === 'client_secret_basic')
      ) {
        err.withHeader('WWW-Authenticate', BASIC_CHALLENGE);
      }
      throw err;
    }
  }

  extract(authorization: string | undefined, params: ClientAuthParams): ClientCredentials {
    const basic = parseBasicAuthorization(authorization);
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
    const missing = new InvalidClientError('client authentication is required');
    throw authorization !== undefined
      ? missing.withHeader('WWW-Authenticate', BASIC_CHALLENGE)
      : missing;
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
