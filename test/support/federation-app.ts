import { AuditWriter } from '../../src/audit/audit-writer.service';
import { createAdminClient } from './factories/client.factory';
import { accessTokenFor, bearerCall, form, startHttpTestApp, type HttpTestApp } from './http-app';
import { WorkloadIssuer } from './workload-issuer';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const REFUSED = {
  error: 'invalid_client',
  error_description: 'client authentication failed',
};

export interface FederationApp {
  t: HttpTestApp;
  k8s: WorkloadIssuer;
  github: WorkloadIssuer;
  tokenEndpoint(): string;
  /** A secretless client with these federated_credentials, through the admin API. */
  register(credentials: unknown[]): Promise<{ clientId: string; body: Record<string, unknown> }>;
  /** A client_credentials request carrying a client_assertion (and whatever else is given). */
  post(fields: Record<string, string>): Promise<Response>;
  /** `post` for `clientId` with an assertion the issuer mints from `claims` (signed with `key`). */
  postAssertion(
    issuer: WorkloadIssuer,
    clientId: string,
    ...mint: Parameters<WorkloadIssuer['mint']>
  ): Promise<Response>;
  /** Stored login_failure entries (of one client), newest first. */
  failures(clientId?: string): Promise<Record<string, unknown>[]>;
  adminToken: string;
}

/**
 * The hooks of a federation test file: a Kubernetes- and a GitHub-shaped issuer on 127.0.0.1,
 * AppModule listening with a 1 s issuer-key cache and no refetch interval (so expiry and
 * rotation can be watched), and an admin token. Filled in by beforeAll.
 */
export function useFederationApp(): FederationApp {
  let counter = 0;
  const ctx = {
    tokenEndpoint: () => `${ctx.t.issuer}/oauth/token`,
    register: async (credentials: unknown[]) => {
      const clientId = `workload-${++counter}`;
      const res = await bearerCall(ctx.t.app, ctx.adminToken, 'POST', '/admin/clients', {
        client_id: clientId,
        scopes: ['read', 'write'],
        role: 'service',
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        federated_credentials: credentials,
      });
      if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`);
      return { clientId, body: res.json<Record<string, unknown>>() };
    },
    post: (fields: Record<string, string>) =>
      fetch(ctx.tokenEndpoint(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({
          grant_type: 'client_credentials',
          client_assertion_type: JWT_BEARER,
          ...fields,
        }),
      }),
    postAssertion: async (
      issuer: WorkloadIssuer,
      clientId: string,
      ...mint: Parameters<WorkloadIssuer['mint']>
    ) => ctx.post({ client_id: clientId, client_assertion: await issuer.mint(...mint) }),
    failures: async (clientId?: string) => {
      await ctx.t.app.get(AuditWriter).flush();
      return ctx.t.db
        .collection('audit_logs')
        .find({ event_type: 'login_failure', ...(clientId && { client_id: clientId }) })
        .sort({ timestamp: -1 })
        .toArray();
    },
  } as unknown as FederationApp;

  beforeAll(async () => {
    ctx.k8s = await WorkloadIssuer.start('kubernetes');
    ctx.github = await WorkloadIssuer.start('github');
    ctx.t = await startHttpTestApp({
      listen: true,
      env: {
        FEDERATION_JWKS_MIN_CACHE_SECONDS: '1',
        FEDERATION_JWKS_MAX_CACHE_SECONDS: '1',
        FEDERATION_JWKS_REFRESH_INTERVAL_SECONDS: '0',
      },
    });
    const admin = await createAdminClient(ctx.t.app);
    ctx.adminToken = await accessTokenFor(ctx.t.app, admin.clientId, admin.secret);
  });
  afterAll(async () => {
    await ctx.t?.close();
    await ctx.k8s?.close();
    await ctx.github?.close();
  });
  return ctx;
}
