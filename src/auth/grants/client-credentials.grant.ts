import { Injectable } from '@nestjs/common';
import {
  selfGrant,
  type GrantContext,
  type GrantDecision,
  type GrantHandler,
} from './grant-handler';

/** RFC 6749 §4.4: the client asks for a token for itself. */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials' as const;

  resolve({ client }: GrantContext): Promise<GrantDecision> {
    // RFC 6749 §4.4.3 says a refresh token SHOULD NOT be issued; only clients configured for one get it.
    return selfGrant(client, (c) => c.refreshTokens);
  }
}
