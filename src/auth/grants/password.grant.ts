import { Injectable } from '@nestjs/common';
import {
  selfGrant,
  type GrantContext,
  type GrantDecision,
  type GrantHandler,
} from './grant-handler';

/**
 * The FastAPI service's `/token`: `username`/`password` are the client's id and secret, so this is client
 * credentials authenticated from a password form. Unlike RFC 6749 §4.4 the FastAPI service always hands out
 * a refresh token, and its clients rely on that.
 */
@Injectable()
export class PasswordGrant implements GrantHandler {
  readonly grantType = 'password' as const;

  resolve({ client }: GrantContext): Promise<GrantDecision> {
    return selfGrant(client, () => true);
  }
}
