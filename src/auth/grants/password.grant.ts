import { Injectable } from '@nestjs/common';
import { InvalidClientError } from '../../common/errors/oauth-errors';
import type { GrantContext, GrantDecision, GrantHandler } from './grant-handler';

/**
 * The seed's `/token`: `username`/`password` are the client's id and secret, so this is client
 * credentials authenticated from a password form. Unlike RFC 6749 §4.4 the seed always hands out
 * a refresh token, and its clients rely on that.
 */
@Injectable()
export class PasswordGrant implements GrantHandler {
  readonly grantType = 'password' as const;

  resolve({ client }: GrantContext): Promise<GrantDecision> {
    if (!client) return Promise.reject(new InvalidClientError('client authentication is required'));
    return Promise.resolve({
      client,
      allowedScopes: client.scopes,
      allowedAudiences: client.audiences,
      defaultAudience: [],
      issueRefreshToken: true,
    });
  }
}
