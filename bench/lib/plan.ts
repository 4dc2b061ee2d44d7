import type { Side } from './report';
import { basic, FORM, type RequestSpec } from './load';
import {
  clientCredentialsToken,
  provisionBenchClient,
  type OurService,
  type Peer,
} from './servers';

export interface Planned {
  id: string;
  side: Side;
  label: string;
  comparedWith?: string;
  spec: () => RequestSpec;
  /** A 200 that means nothing (e.g. `active: false`) must not be measured. */
  check?: (body: string) => boolean;
}

/** The rows in run order: each service row right after (or near) the peer row it is compared with. */
export async function planRows(
  peer: Peer,
  svc: OurService | undefined,
): Promise<{ plan: Planned[]; clientVia?: string }> {
  const peerBasic = basic(peer.client.clientId, peer.client.secret);
  const peerJwtToken = (): RequestSpec => ({
    url: `${peer.baseUrl}/token`,
    method: 'POST',
    headers: { authorization: peerBasic, 'content-type': FORM },
    body: 'grant_type=client_credentials&scope=read',
  });
  const opaque = await clientCredentialsToken(`${peer.baseUrl}/token`, peer.client, {
    scope: 'read',
    resource: 'urn:bench:opaque',
  });
  const active = (body: string): boolean =>
    (JSON.parse(body) as { active?: boolean }).active === true;
  let clientVia: string | undefined;
  const plan: Planned[] = [
    {
      id: 'peer.token-jwt',
      side: 'peer',
      label: 'peer POST /token (ES256 JWT)',
      spec: peerJwtToken,
    },
  ];

  if (svc) {
    const { creds, via } = await provisionBenchClient(svc);
    clientVia = via;
    const ourBasic = basic(creds.clientId, creds.secret);
    // If /oauth/token fails, only the rows that need its token are skipped (with the reason).
    const t = await clientCredentialsToken(`${svc.baseUrl}/oauth/token`, creds, {
      scope: 'read',
    }).catch((e: Error) => e);
    const bearer = (): string => {
      if (t instanceof Error) throw t;
      return t;
    };
    plan.push(
      {
        id: 'service.oauth-token',
        side: 'service',
        label: 'POST /oauth/token (basic, ES256)',
        comparedWith: 'peer.token-jwt',
        spec: () => ({
          url: `${svc.baseUrl}/oauth/token`,
          method: 'POST',
          headers: { authorization: ourBasic, 'content-type': FORM },
          body: 'grant_type=client_credentials&scope=read',
        }),
      },
      {
        id: 'service.legacy-token',
        side: 'service',
        // The FastAPI service's form login; it also stores a refresh token per call: no peer equivalent, no target.
        label: 'POST /token (legacy form, +refresh)',
        comparedWith: 'peer.token-jwt',
        spec: () => ({
          url: `${svc.baseUrl}/token`,
          method: 'POST',
          headers: { 'content-type': FORM },
          body: new URLSearchParams({
            username: creds.clientId,
            password: creds.secret,
          }).toString(),
        }),
      },
    );
    plan.push(peerIntrospect(peer, peerBasic, opaque, active), {
      id: 'service.oauth-introspect',
      side: 'service',
      label: 'POST /oauth/introspect',
      comparedWith: 'peer.introspect',
      check: active,
      spec: () => ({
        url: `${svc.baseUrl}/oauth/introspect`,
        method: 'POST',
        headers: { authorization: ourBasic, 'content-type': FORM },
        body: new URLSearchParams({ token: bearer() }).toString(),
      }),
    });
    plan.push({
      id: 'service.protected',
      side: 'service',
      label: 'GET /protected (Bearer)',
      comparedWith: 'peer.introspect',
      spec: () => ({
        url: `${svc.baseUrl}/protected`,
        method: 'GET',
        headers: { authorization: `Bearer ${bearer()}` },
      }),
    });
  } else {
    plan.push(peerIntrospect(peer, peerBasic, opaque, active));
  }
  if (process.env.BENCH_PEER_OPAQUE !== '0') {
    // Reference only: the peer's default, opaque tokens.
    plan.push({
      id: 'peer.token-opaque',
      side: 'peer',
      label: 'peer POST /token (opaque, reference)',
      spec: () => ({
        ...peerJwtToken(),
        body: 'grant_type=client_credentials&scope=read&resource=urn%3Abench%3Aopaque',
      }),
    });
  }
  return { plan, clientVia };
}

function peerIntrospect(
  peer: Peer,
  peerBasic: string,
  opaque: string,
  active: (b: string) => boolean,
): Planned {
  return {
    id: 'peer.introspect',
    side: 'peer',
    label: 'peer POST /token/introspection',
    check: active,
    spec: () => ({
      url: `${peer.baseUrl}/token/introspection`,
      method: 'POST',
      headers: { authorization: peerBasic, 'content-type': FORM },
      body: new URLSearchParams({ token: opaque }).toString(),
    }),
  };
}
