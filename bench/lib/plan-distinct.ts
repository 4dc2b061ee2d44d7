import { basic, FORM } from './load';
import type { Planned } from './plan';
import { adminToken, createClients, mintTokens, once } from './provision';
import type { Credentials, OurService, Peer } from './servers';

export interface DistinctOptions {
  /** Distinct clients of the token rows (0: no such rows). */
  clients: number;
  /** Distinct access tokens of the introspection and /protected rows (0: no such rows). */
  tokens: number;
  /** Requests in flight while provisioning clients and tokens. */
  concurrency: number;
  log: (m: string) => void;
}

const n = (x: number): string => x.toLocaleString('en-US');
const active = (body: string): boolean =>
  (JSON.parse(body) as { active?: boolean }).active === true;

/** The peer's rows over its own distinct clients (registered at start) and opaque tokens. */
export function peerDistinctRows(peer: Peer, o: DistinctOptions): Planned[] {
  const clients = peer.clients.length > 0 ? peer.clients : [peer.client];
  const tokens = once(async () => {
    o.log(`minting ${n(o.tokens)} opaque tokens from the peer over ${n(clients.length)} clients`);
    return mintTokens(`${peer.baseUrl}/token`, clients, o.tokens, o.concurrency, {
      scope: 'read',
      resource: 'urn:bench:opaque',
    });
  });
  let minted: string[] = [];
  const rows: Planned[] = [];
  if (o.clients > 0 && peer.clients.length > 0) {
    rows.push({
      id: 'peer.token-jwt-clients',
      side: 'peer',
      label: `peer POST /token (JWT, ${n(peer.clients.length)} clients)`,
      spec: () => ({
        url: `${peer.baseUrl}/token`,
        method: 'POST',
        headers: { 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=read',
        variants: peer.clients.map((c) => ({
          headers: { authorization: basic(c.clientId, c.secret) },
        })),
      }),
    });
  }
  if (o.tokens > 0) {
    rows.push({
      id: 'peer.introspect-tokens',
      side: 'peer',
      label: `peer POST /token/introspection (${n(o.tokens)} tokens)`,
      check: active,
      prepare: async () => void (minted = await tokens()),
      spec: () => ({
        url: `${peer.baseUrl}/token/introspection`,
        method: 'POST',
        // Any confidential client may introspect (the library's default policy): the main one does.
        headers: {
          authorization: basic(peer.client.clientId, peer.client.secret),
          'content-type': FORM,
        },
        variants: minted.map((t) => ({ body: new URLSearchParams({ token: t }).toString() })),
      }),
    });
  }
  return rows;
}

/**
 * The service's rows over distinct clients (created through the admin API) and distinct tokens
 * (minted over those clients, introspected by a resource server holding the `introspect` scope,
 * which may introspect other clients' tokens).
 */
export function serviceDistinctRows(svc: OurService, o: DistinctOptions): Planned[] {
  const provisioned = once(async () => {
    const count = Math.max(1, o.clients);
    o.log(`creating ${n(count)} clients through POST /admin/clients (${o.concurrency} at a time)`);
    const started = Date.now();
    const token = await adminToken(svc);
    const clients = await createClients(svc, token, count, o.concurrency, (i) => ({
      name: `bench-${i}`,
      scopes: ['read'],
    }));
    const [resourceServer] = await createClients(svc, token, 1, 1, () => ({
      name: 'bench-resource-server',
      scopes: ['read', 'introspect'],
    }));
    o.log(`${n(count)} clients created in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { clients, resourceServer };
  });
  const tokens = once(async () => {
    const { clients } = await provisioned();
    o.log(`minting ${n(o.tokens)} tokens from the service over ${n(clients.length)} clients`);
    return mintTokens(`${svc.baseUrl}/oauth/token`, clients, o.tokens, o.concurrency, {
      scope: 'read',
    });
  });
  let clients: Credentials[] = [];
  let rs: Credentials | undefined;
  let minted: string[] = [];
  const withTokens = async (): Promise<void> => {
    ({ resourceServer: rs } = await provisioned());
    minted = await tokens();
  };
  const rows: Planned[] = [];
  if (o.clients > 0) {
    rows.push({
      id: 'service.oauth-token-clients',
      side: 'service',
      label: `POST /oauth/token (${n(o.clients)} clients)`,
      comparedWith: 'peer.token-jwt-clients',
      prepare: async () => void ({ clients } = await provisioned()),
      spec: () => ({
        url: `${svc.baseUrl}/oauth/token`,
        method: 'POST',
        headers: { 'content-type': FORM },
        body: 'grant_type=client_credentials&scope=read',
        variants: clients.map((c) => ({ headers: { authorization: basic(c.clientId, c.secret) } })),
      }),
    });
  }
  if (o.tokens > 0) {
    rows.push(
      {
        id: 'service.oauth-introspect-tokens',
        side: 'service',
        label: `POST /oauth/introspect (${n(o.tokens)} tokens)`,
        comparedWith: 'peer.introspect-tokens',
        check: active,
        prepare: withTokens,
        spec: () => ({
          url: `${svc.baseUrl}/oauth/introspect`,
          method: 'POST',
          headers: { authorization: basic(rs!.clientId, rs!.secret), 'content-type': FORM },
          variants: minted.map((t) => ({ body: new URLSearchParams({ token: t }).toString() })),
        }),
      },
      {
        id: 'service.protected-tokens',
        side: 'service',
        label: `GET /protected (${n(o.tokens)} tokens)`,
        comparedWith: 'peer.introspect-tokens',
        prepare: withTokens,
        spec: () => ({
          url: `${svc.baseUrl}/protected`,
          method: 'GET',
          headers: {},
          variants: minted.map((t) => ({ headers: { authorization: `Bearer ${t}` } })),
        }),
      },
    );
  }
  return rows;
}
