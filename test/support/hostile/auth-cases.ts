import type { Gen, HostileCase } from './cases';
import { parseJson, type RawResponse } from '../http';
import { headerSafe, hostileForm, hostileObject, pathSafe, pick, printable } from './values';

/**
 * Bad credentials: forged and garbage JWTs, broken Basic headers, and a valid admin credential
 * paired only with invalid bodies or nonexistent targets (so a correct server changes nothing).
 */
export const authCases: Record<string, Gen> = {
  badJwt: (r, ctx) => {
    const token = pick(r, ctx.badTokens);
    const bearer = pick(r, [...ctx.badTokens, ...ctx.bearerOnlyTokens]);
    const inactive = (res: RawResponse): string | undefined =>
      parseJson(res).active === false ? undefined : `introspection said ${res.text.slice(0, 200)}`;
    return pick<() => Omit<HostileCase, 'id'>>(r, [
      () => ({
        req: {
          method: 'GET',
          path: pick(r, [
            '/protected',
            '/admin-only',
            '/admin/clients',
            '/admin/audit',
            '/admin/keys',
            '/admin/config',
          ]),
          headers: { authorization: `${pick(r, ['Bearer', 'bearer', 'BEARER'])} ${bearer}` },
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/revoke',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ access_token: token }),
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/refresh',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refresh_token: token }),
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/oauth/introspect',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: ctx.adminBasic,
          },
          body: new URLSearchParams({
            token: bearer,
            ...(r() < 0.5 && {
              token_type_hint: pick(r, ['access_token', 'refresh_token', 'bogus']),
            }),
          }).toString(),
        },
        expect: 'safe',
        check: inactive,
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/oauth/revoke',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: ctx.adminBasic,
          },
          body: `token=${encodeURIComponent(token)}`,
        },
        expect: 'safe',
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/oauth/introspect',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `token=${encodeURIComponent(token)}`,
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'POST',
          path: '/oauth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: ctx.adminClientId,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: token,
          }).toString(),
        },
        expect: 'reject',
      }),
    ])();
  },
  badBasic: (r, ctx) => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const auth = pick(r, [
      'Basic',
      'Basic ',
      'Basic !!!notbase64!!!',
      `Basic ${b64('nocolon')}`,
      `Basic ${b64(':')}`,
      `Basic ${b64(`${ctx.adminClientId}:`)}`,
      `Basic ${b64(`:${printable(r, 10)}`)}`,
      `Basic ${b64('%zz:%zz')}`,
      `Basic ${b64('\u0000:\u0000')}`,
      `Basic ${b64(`${'x'.repeat(3000)}:y`)}`,
      `Basic ${b64(`${ctx.adminClientId}:wrong-secret`)}`,
      `Basic ${b64('{"$ne":null}:{"$ne":null}')}`,
      `Basic  ${b64(`${ctx.adminClientId}:x`)}`,
      `basic ${b64('a:b')}`,
      'Digest username="x"',
      `Bearer ${pick(r, ctx.badTokens)}`,
      `Basic ${headerSafe(r, 60)}`,
    ]);
    const path = pick(r, ['/oauth/token', '/oauth/introspect', '/oauth/revoke']);
    const body =
      path === '/oauth/token'
        ? 'grant_type=client_credentials'
        : `token=${encodeURIComponent(pick(r, ctx.badTokens))}`;
    return {
      req: {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
        body,
      },
      expect: 'reject',
    };
  },
  adminHostile: (r, ctx) => {
    const auth = { authorization: ctx.adminBearer };
    const nowhere = `/admin/clients/${encodeURIComponent(`nonexistent-${printable(r, 12)}`)}`;
    const json = { ...auth, 'content-type': 'application/json' };
    const qs = `?${pathSafe(hostileForm(r, ['client_id', 'event_type', 'limit', 'skip', 'since', 'until', 'cursor', 'page']))}`;
    return pick<() => Omit<HostileCase, 'id'>>(r, [
      () => ({
        req: {
          method: 'POST',
          path: '/admin/clients',
          headers: json,
          body: JSON.stringify(
            hostileObject(
              r,
              ['client_id', 'name', 'scopes', 'role', 'audiences', 'grant_types', 'jwks', 'secret'],
              'role',
            ),
          ),
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'PATCH',
          path: '/admin/config',
          headers: json,
          body: JSON.stringify(
            hostileObject(
              r,
              [
                'max_requests_per_minute',
                'access_token_expire_minutes',
                'refresh_token_expire_days',
                'algorithm',
              ],
              'max_requests_per_minute',
            ),
          ),
        },
        expect: 'reject',
      }),
      () => ({
        req: {
          method: 'PATCH',
          path: nowhere,
          headers: json,
          body: JSON.stringify(hostileObject(r, ['name', 'scopes', 'role'], 'name')),
        },
        expect: 'reject',
      }),
      () => ({ req: { method: 'DELETE', path: nowhere, headers: auth }, expect: 'reject' }),
      () => ({
        req: { method: 'POST', path: `${nowhere}/secrets/rotate`, headers: json, body: '{}' },
        expect: 'reject',
      }),
      () => ({ req: { method: 'GET', path: `/admin/audit${qs}`, headers: auth }, expect: 'safe' }),
      () => ({
        req: { method: 'GET', path: `/admin/clients${qs}`, headers: auth },
        expect: 'safe',
      }),
      () => ({
        req: {
          method: pick(r, ['POST', 'PATCH', 'DELETE']),
          path: pick(r, ['/admin/clients', '/admin/config', '/admin/keys/rotate', nowhere]),
          headers: {
            authorization: `Bearer ${pick(r, ctx.badTokens)}`,
            'content-type': 'application/json',
          },
          body: '{}',
        },
        expect: 'reject',
      }),
    ])();
  },
};
