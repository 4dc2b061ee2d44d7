/**
 * Building blocks of malformed input: values that must never pass for a string, strings that
 * are never a credential, hostile form bodies. Everything draws from a seeded PRNG.
 */

export type Rand = () => number;
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
export const int = (r: Rand, lo: number, hi: number): number =>
  lo + Math.floor(r() * (hi - lo + 1));
export const printable = (r: Rand, n: number): string =>
  Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join('');
export const headerSafe = (r: Rand, n: number): string => printable(r, n).trim() || 'x';
/** encodeURIComponent throws on a lone surrogate; the raw bytes are what an attacker would send. */
export const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

/** Node refuses to send spaces or non-Latin-1 in a request path; the rest is sent raw. */
export const pathSafe = (s: string): string => s.replace(/[^\u0021-\u007e]/g, (c) => encode(c));

/** Depth 10,000: deep enough to overflow any naive recursive walker (validation, sanitising, logging). */
const DEPTH = 10_000;
export const deepArray = (): string => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
export const deepObject = (): string => `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;

/** Values that must never be taken for a string: operator objects, pollution, wrong types. */
export function hostileValue(r: Rand): unknown {
  return pick(r, [
    () => ({ $ne: null }),
    () => ({ $gt: '' }),
    () => ({ $where: 'sleep(5000) || true' }),
    () => ({ $regex: '.*' }),
    () => ({ $exists: true }),
    () => ({ $in: ['a', 'b'] }),
    () => [{ $ne: null }],
    () => ['a', 'b'],
    () => [],
    () => null,
    () => true,
    // Never a valid count or lifetime: every numeric setting must be a positive integer.
    () => -int(r, 1, 1e6),
    () => 0.5,
    () => 1e308,
    () => ({ __proto__: { polluted: true } }),
    () => JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    () => ({ constructor: { prototype: { polluted: true } } }),
    () => ({ toString: 'x', valueOf: 1 }),
    () => ({ length: 1e9 }),
  ])();
}

/** Strings that are strings but never a valid credential or token. */
export function hostileString(r: Rand): string {
  return pick(r, [
    () => '',
    () => '\u0000',
    () => '\u0000'.repeat(50),
    () => `${printable(r, 10)}\u0000${printable(r, 10)}`,
    () => 'x'.repeat(int(r, 2000, 20000)),
    () => '💥'.repeat(int(r, 1, 500)),
    () => '\ud800',
    () => "' OR '1'='1",
    () => '{"$ne":null}',
    () => '${jndi:ldap://127.0.0.1:1/a}',
    () => '../../../../etc/passwd',
    () => printable(r, int(r, 1, 200)),
  ])();
}

export const JSON_FIELDS: Record<string, string[]> = {
  '/token': ['username', 'password', 'grant_type', 'scope'],
  '/refresh': ['refresh_token'],
  '/revoke': ['access_token'],
  '/oauth/token': [
    'grant_type',
    'client_id',
    'client_secret',
    'scope',
    'resource',
    'refresh_token',
    'client_assertion',
    'client_assertion_type',
  ],
  '/oauth/revoke': ['token', 'token_type_hint', 'client_id', 'client_secret'],
  '/oauth/introspect': ['token', 'token_type_hint', 'client_id', 'client_secret'],
};
export const POST_PATHS = Object.keys(JSON_FIELDS);
export const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=latin1',
  'application/octet-stream',
  'application/vnd.api+json',
  '*/*',
  'garbage',
];

/**
 * `poison` names a field that always gets an operator object: random strings and string arrays
 * can happen to form a valid body (an admin creating a client), and these bodies must never be.
 */
export function hostileObject(r: Rand, fields: string[], poison?: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) if (r() < 0.7) body[f] = r() < 0.6 ? hostileValue(r) : hostileString(r);
  if (r() < 0.3) body.$where = 'function () { while (true) {} }';
  if (Object.keys(body).length === 0) body[pick(r, fields)] = hostileValue(r);
  if (poison !== undefined) body[poison] = pick(r, [{ $ne: null }, { $gt: '' }, { $regex: '.*' }]);
  return body;
}

export function hostileForm(r: Rand, fields: string[]): string {
  const f = pick(r, fields);
  return pick(r, [
    () => `${f}[$ne]=x&${pick(r, fields)}[$gt]=`,
    () => `${f}=%E0%A4%A&${pick(r, fields)}=%zz`,
    () => `${f}=a&${f}=b&${f}=c`,
    () => `${f}=${encode(hostileString(r))}`,
    () => `=&&==&${f}`,
    () => `${f}=${'%00'.repeat(200)}`,
    () => `${encodeURIComponent(JSON.stringify(hostileObject(r, fields)))}`,
    () => `__proto__[polluted]=1&constructor[prototype][polluted]=1&${f}=x`,
    () => printable(r, int(r, 0, 300)),
  ])();
}
