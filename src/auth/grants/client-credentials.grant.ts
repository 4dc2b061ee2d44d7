import { Injectable } from '@nestjs/common';
import { InvalidClientError } from '../../common/errors/oauth-errors';
import type { GrantContext, GrantDecision, GrantHandler } from './grant-handler';

/** RFC 6749 §4.4: the client asks for a token for itself. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials' as const;

  resolve({ client }: GrantContext): Promise<GrantDecision> {
    if (!client) return Promise.reject(new InvalidClientError('client authentication is required'));
    return Promise.resolve({
      client,
      allowedScopes: client.scopes,
      allowedAudiences: client.audiences,
      defaultAudience: [],
      // RFC 6749 §4.4.3 says a refresh token SHOULD NOT be issued; only clients configured for one get it.
      issueRefreshToken: client.refreshTokens,
    });
  }
}
