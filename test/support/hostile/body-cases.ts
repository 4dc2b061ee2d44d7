import type { Gen } from './cases';
import {
  CONTENT_TYPES,
  deepArray,
  deepObject,
  headerSafe,
  hostileForm,
  hostileObject,
  int,
  JSON_FIELDS,
  pick,
  POST_PATHS,
  printable,
} from './values';

/** Malformed bodies, content types, headers, methods and paths: the parsing and validation surface. */
export const bodyCases: Record<string, Gen> = {
  jsonOperators: (r) => {
    const path = pick(r, POST_PATHS);
    return {
      req: {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(hostileObject(r, JSON_FIELDS[path])),
      },
      expect: 'reject',
    };
  },
  formHostile: (r) => {
    const path = pick(r, POST_PATHS);
    return {
      req: {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: hostileForm(r, JSON_FIELDS[path]),
      },
      expect: 'reject',
    };
  },
  rawGarbage: (r) => {
    const body =
      r() < 0.5
        ? Buffer.from(Array.from({ length: int(r, 1, 4000) }, () => int(r, 0, 255)))
        : pick(r, [
            '{',
            '{"refresh_token": "abc',
            '{"a":1,}',
            'null',
            '[]',
            '"s"',
            '123',
            '\ufeff{"a":1}',
            '{"a":1}{"b":2}',
            '{"a":1 /* c */}',
            printable(r, 300),
          ]);
    const headers: Record<string, string> =
      r() < 0.9 ? { 'content-type': pick(r, CONTENT_TYPES) } : {};
    return {
      req: {
        method: pick(r, ['POST', 'PUT', 'PATCH', 'DELETE']),
        path: pick(r, [...POST_PATHS, '/protected', '/admin/clients', '/admin/config']),
        headers,
        body,
      },
      expect: 'reject',
    };
  },
  deepNesting: (r, ctx) => {
    const admin = r() < 0.4;
    const path = admin
      ? pick(r, ['/admin/clients', '/admin/config'])
      : pick(r, ['/refresh', '/revoke', '/token', '/oauth/token']);
    const inner = r() < 0.5 ? deepArray() : deepObject();
    // A field the route's DTO knows (an unknown one is stripped, leaving a valid empty patch).
    const field =
      path === '/admin/config'
        ? 'max_requests_per_minute'
        : path === '/admin/clients'
          ? pick(r, ['scopes', 'name', 'role'])
          : pick(r, JSON_FIELDS[path]);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...(admin && { authorization: ctx.adminBearer }),
    };
    return {
      req: {
        method: admin && path === '/admin/config' ? 'PATCH' : 'POST',
        path,
        headers,
        body: `{"${field}":${inner}}`,
      },
      expect: 'reject',
    };
  },
  hugeBody: (r, ctx) => {
    const size = pick(r, [ctx.bodyLimit + 1, ctx.bodyLimit * 2, 1024 * 1024, 2 * 1024 * 1024]);
    const json = r() < 0.5;
    const path = pick(r, POST_PATHS);
    const field = pick(r, JSON_FIELDS[path]);
    const body = json ? `{"${field}":"${'a'.repeat(size)}"}` : `${field}=${'a'.repeat(size)}`;
    const type = json ? 'application/json' : 'application/x-www-form-urlencoded';
    return {
      req: { method: 'POST', path, headers: { 'content-type': type }, body, chunked: r() < 0.4 },
      expect: 'reject',
    };
  },
  wrongContentType: (r) => {
    const path = pick(r, POST_PATHS);
    const fields = Object.fromEntries(JSON_FIELDS[path].map((f) => [f, printable(r, 12)]));
    const asJson = r() < 0.5;
    const body = asJson ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
    const type = pick(
      r,
      CONTENT_TYPES.filter(
        (t) => t !== (asJson ? 'application/json' : 'application/x-www-form-urlencoded'),
      ),
    );
    return {
      req: { method: 'POST', path, headers: { 'content-type': type }, body },
      expect: 'reject',
    };
  },
  randomHeaders: (r, ctx) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (let i = int(r, 1, 20); i > 0; i--)
      headers[`x-${printable(r, 8).replace(/[^a-z0-9]/gi, '') || 'h'}`] = headerSafe(
        r,
        int(r, 1, 200),
      );
    headers['x-forwarded-for'] = pick(r, [
      '',
      'not-an-ip',
      '999.999.999.999',
      '::ffff:1.2.3.4, , ,',
      '1.2.3.4'.repeat(100),
      headerSafe(r, 40),
    ]);
    if (r() < 0.3)
      headers['content-encoding'] = pick(r, ['gzip', 'deflate', 'br', 'identity, gzip']);
    if (r() < 0.3) headers.accept = headerSafe(r, 50);
    if (r() < 0.3) headers['x-request-id'] = headerSafe(r, 300);
    return {
      req: {
        method: 'POST',
        path: '/refresh',
        headers,
        body: JSON.stringify({
          refresh_token: printable(r, 43) + (r() < 0.5 ? ctx.adminClientId : ''),
        }),
      },
      expect: 'reject',
    };
  },
  methodAndPath: (r) => {
    const path = pick(r, [
      '/token',
      '/refresh',
      '/protected',
      '/admin-only',
      '/oauth/introspect',
      '//admin//clients',
      '/admin/clients/%',
      '/admin/clients/%E0%A4%A',
      '/%2e%2e/admin/config',
      '/protected/..;/admin/config',
      `/protected?${'q='.repeat(1000)}`,
      '/admin/keys/rotate',
      '/nonexistent',
      `/${printable(r, 30).replace(/[^\w-]/g, '')}`,
    ]);
    const method = pick(r, ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']);
    // GET /protected without a token etc.: all of these need credentials or a body they lack.
    return {
      req: {
        method,
        path,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' || method === 'TRACE' ? undefined : '{}',
      },
      expect: 'reject',
    };
  },
  headerOverflow: (r) => ({
    // Past Node's 16 KB header limit: answered by the HTTP layer, still in the service's format.
    req: {
      method: 'GET',
      path: '/protected',
      headers: { authorization: `Bearer ${'a'.repeat(int(r, 17_000, 40_000))}` },
    },
    expect: 'reject',
  }),
};
