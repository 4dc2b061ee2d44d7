import { basic, FORM, probeOk } from './load';
import {
  clientCredentialsToken,
  pickCredentials,
  type Credentials,
  type OurService,
} from './servers';

/**
 * Runs `task(0..count-1)` with at most `limit` in flight, in index order of start; results keep
 * their index. The first failure stops further starts and is thrown once the running ones settle.
 */
export async function mapLimit<T>(
  count: number,
  limit: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < count) {
      const i = next++;
      try {
        out[i] = await task(i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  if (failure) throw failure.err;
  return out;
}

/** A client_credentials token of the first-run admin client (scope admin), for the admin API. */
export function adminToken(svc: OurService): Promise<string> {
  return clientCredentialsToken(`${svc.baseUrl}/oauth/token`, svc.admin);
}

export interface NewClient {
  name: string;
  scopes: string[];
}

/** Creates clients through `POST /admin/clients`, as an operator would, `concurrency` at a time. */
export async function createClients(
  svc: OurService,
  token: string,
  count: number,
  concurrency: number,
  shape: (i: number) => NewClient,
): Promise<Credentials[]> {
  const grants = ['client_credentials', 'password'];
  return mapLimit(count, concurrency, async (i) => {
    const body = await probeOk(`POST /admin/clients #${i}`, {
      url: `${svc.baseUrl}/admin/clients`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...shape(i), role: 'user', grant_types: grants }),
    });
    const creds = pickCredentials(JSON.parse(body));
    if (!creds)
      throw new Error(`POST /admin/clients: no client id/secret in ${body.slice(0, 300)}`);
    return creds;
  });
}

/**
 * `count` access tokens from client_credentials grants, round-robin over `clients`
 * (`extra` form fields, e.g. a resource indicator): the distinct tokens of a round-robin row.
 */
export function mintTokens(
  tokenUrl: string,
  clients: Credentials[],
  count: number,
  concurrency: number,
  extra: Record<string, string>,
): Promise<string[]> {
  const auth = clients.map((c) => basic(c.clientId, c.secret));
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...extra }).toString();
  return mapLimit(count, concurrency, async (i) => {
    const body = await probeOk(`token #${i}`, {
      url: tokenUrl,
      method: 'POST',
      headers: { authorization: auth[i % auth.length], 'content-type': FORM },
      body: form,
    });
    return (JSON.parse(body) as { access_token: string }).access_token;
  });
}

/** Memoises an async step: the first row that needs it pays for it; a failure is remembered too. */
export function once<T>(step: () => Promise<T>): () => Promise<T> {
  let done: Promise<T> | undefined;
  return () => (done ??= step());
}
