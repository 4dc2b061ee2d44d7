import type { Row, Side } from './report';
import { basic, FORM, type DuringRun, type RequestSpec } from './load';
import { peerDistinctRows, serviceDistinctRows, type DistinctOptions } from './plan-distinct';
import { growthRows, type GrowthOptions } from './plan-growth';
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
  /**
   * Done right before the row, outside its measurement (distinct clients or tokens, the growth
   * fill): the rows before it see the service as it was, e.g. with an almost empty audit_logs.
   */
  prepare?: () => Promise<void>;
  /** Runs beside the measured run (a compaction); its failure means the row was not measured. */
  during?: () => DuringRun;
  /** What the row adds to its result once measured (the fill's figures, the compaction's). */
  annotate?: () => Partial<Row>;
}

/** The rows in run order: each service row right after (or near) the peer row it is compared with. */
export async function planRows(
  peer: Peer,
  svc: OurService | undefined,
  opts: { distinct: DistinctOptions; growth: GrowthOptions },
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
  const last: Planned[] = [];
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
    const tokenSpec = (): RequestSpec => ({
      url: `${svc.baseUrl}/oauth/token`,
      method: 'POST',
      headers: { authorization: ourBasic, 'content-type': FORM },
      body: 'grant_type=client_credentials&scope=read',
    });
    plan.push(
      {
        // The first service row: audit_logs is still almost empty (the growth row's "at 0").
        id: 'service.oauth-token',
        side: 'service',
        label: 'POST /oauth/token (basic, ES256)',
        comparedWith: 'peer.token-jwt',
        spec: tokenSpec,
      },
      {
        id: 'service.legacy-token',
        side: 'service',
        // The FastAPI service's form login; it also stores a refresh token per call, the peer's
        // JWT token endpoint nothing: compared all the same, it is what the FastAPI service's users call.
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
    plan.push(...peerDistinctRows(peer, opts.distinct), ...serviceDistinctRows(svc, opts.distinct));
    // Last: they grow audit_logs and compact it, which no earlier row must see.
    last.push(...growthRows(tokenSpec, opts.growth));
  } else {
    plan.push(
      peerIntrospect(peer, peerBasic, opaque, active),
      ...peerDistinctRows(peer, opts.distinct),
    );
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
  plan.push(...last);
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
