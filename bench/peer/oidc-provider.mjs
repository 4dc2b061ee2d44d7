// The reference peer for `npm run bench`: node-oidc-provider 9 (in-memory Map adapter, single process)
// configured the way an M2M deployment would be: client_credentials only, ES256 JWT access tokens,
// introspection on. ESM-only library, hence a plain .mjs run directly with `node`.
//
// Env: PEER_PORT (0 = any), PEER_CLIENT_ID, PEER_CLIENT_SECRET, PEER_CLIENT_COUNT (more clients,
// `<id>-<i>` with secret `<secret>-<i>` for i < count: the distinct-clients rows).
// Prints one JSON line `{"ready":true,"port":N,"issuer":...}` on stdout once it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

// The library prints NOTICE/WARNING lines through console.info/warn about defaults it wants changed
// (allowedPolicy, ttl...): irrelevant for a benchmark and noisy on stdout, which carries our ready line.
console.info = () => {};
console.warn = () => {};

const { default: Provider } = await import('oidc-provider');

const JWT_RESOURCE = 'urn:bench:jwt';
// oidc-provider cannot introspect JWT access tokens (they are not stored), so introspection is
// measured on its opaque tokens, issued for this second resource indicator.
const OPAQUE_RESOURCE = 'urn:bench:opaque';

/**
 * An in-memory adapter without eviction: the library's own memory adapter is an LRU of 1,000
 * entries (a development aid), which would drop most of the 20,000 distinct opaque tokens the
 * bench introspects. A Map keyed by model and id, expiring on read, is what an in-memory
 * deployment of the peer would hold.
 */
const store = new Map();
class MapAdapter {
  constructor(model) {
    this.model = model;
  }
  key(id) {
    return `${this.model}:${id}`;
  }
  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : undefined;
    store.set(this.key(id), { payload, expiresAt });
    if (payload.grantId) {
      const grant = `grant:${payload.grantId}`;
      store.set(grant, [...(store.get(grant) ?? []), this.key(id)]);
    }
  }
  async find(id) {
    const entry = store.get(this.key(id));
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      store.delete(this.key(id));
      return undefined;
    }
    return entry.payload;
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId(grantId) {
    for (const key of store.get(`grant:${grantId}`) ?? []) store.delete(key);
    store.delete(`grant:${grantId}`);
  }
}

const port = Number(process.env.PEER_PORT ?? 0);
const clientId = process.env.PEER_CLIENT_ID ?? 'bench-peer-client';
const clientSecret =
  process.env.PEER_CLIENT_SECRET ?? 'bench-peer-secret-0123456789abcdef0123456789';
const extraClients = Number(process.env.PEER_CLIENT_COUNT ?? 0);

const m2mClient = (id, secret) => ({
  client_id: id,
  client_secret: secret,
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'read',
});

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingJwk = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomUUID(),
  alg: 'ES256',
  use: 'sig',
};

// Listen first so the issuer can carry the real port (PEER_PORT=0 picks a free one).
const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const actualPort = server.address().port;
const issuer = `http://127.0.0.1:${actualPort}`;

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  // Static clients, as an in-memory deployment would register them; the library looks them up by id.
  clients: [
    m2mClient(clientId, clientSecret),
    ...Array.from({ length: extraClients }, (_, i) =>
      m2mClient(`${clientId}-${i}`, `${clientSecret}-${i}`),
    ),
  ],
  jwks: { keys: [signingJwk] },
  scopes: ['read'],
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      // Without `resource` the client gets the JWT resource server: the bench's default token.
      defaultResource: () => JWT_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource === OPAQUE_RESOURCE) {
          return { scope: 'read', audience: OPAQUE_RESOURCE, accessTokenFormat: 'opaque' };
        }
        return {
          scope: 'read',
          audience: JWT_RESOURCE,
          accessTokenTTL: 900,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  ttl: { ClientCredentials: 900 },
});
provider.proxy = false;
// Errors thrown at clients (401, 400) are expected under no circumstances in the bench; keep stderr
// for the ones that would explain a non-2xx count.
provider.on('server_error', (_ctx, err) =>
  process.stderr.write(`peer server_error: ${err.stack}\n`),
);

server.on('request', provider.callback());
process.stdout.write(
  JSON.stringify({ ready: true, port: actualPort, issuer, pid: process.pid }) + '\n',
);

const shutdown = () => server.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
