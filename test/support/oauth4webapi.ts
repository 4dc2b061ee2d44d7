import * as oauth from 'oauth4webapi';
import type { TestClient } from './factories/client.factory';

/** The test apps listen on plain http, which oauth4webapi refuses unless told otherwise. */
export const insecure = { [oauth.allowInsecureRequests]: true };

/** The server's metadata as oauth4webapi discovers it (RFC 8414, `oauth2` well-known path). */
export async function discover(issuerUrl: string): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(issuerUrl);
  return oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
}

export const clientOf = (c: TestClient): oauth.Client => ({ client_id: c.clientId });

/** A client_credentials grant through the library: request, then its response checks. */
export async function clientCredentialsGrant(
  as: oauth.AuthorizationServer,
  c: TestClient,
  auth: oauth.ClientAuth,
  parameters: URLSearchParams,
  options: oauth.ClientCredentialsGrantRequestOptions,
) {
  return oauth.processClientCredentialsResponse(
    as,
    clientOf(c),
    await oauth.clientCredentialsGrantRequest(as, clientOf(c), auth, parameters, options),
  );
}
