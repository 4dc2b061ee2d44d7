import { redactString } from '../audit/redaction';
import { isCredentialName, QUERY_CENSOR, redactQuery } from './query-redaction';

const R = QUERY_CENSOR;

describe('redactQuery', () => {
  it.each([
    'password',
    'passwd',
    'pwd',
    'secret',
    'client_secret',
    'token',
    'access_token',
    'refresh_token',
    'id_token',
    'api_key',
    'apikey',
    'api-key',
    'X-API-Key',
    'key',
    'authorization',
    'Authorization',
    'assertion',
    'client_assertion',
    'code',
    'refreshToken',
    'user[password]',
  ])('redacts %s', (name) => {
    expect(redactQuery(`/x?${name}=hunter2&ok=1`)).toBe(`/x?${name}=${R}&ok=1`);
  });

  it.each([
    ['pass%77ord', 'percent-encoded letter'],
    ['%70%61%73%73%77%6F%72%64', 'fully percent-encoded'],
    ['pass%2577ord', 'double-encoded'],
    ['api%5Fkey', 'encoded underscore'],
    ['client%5Fsecret', 'encoded underscore'],
    ['ACCESS%5FTOKEN', 'upper case, encoded'],
    ['api+key', 'plus as space'],
    ['pass%77ord%ZZ', 'a malformed escape beside a good one'],
  ])('decodes %s (%s) before it matches', (name) => {
    expect(redactQuery(`/x?a=1&${name}=hunter2`)).toBe(`/x?a=1&${name}=${R}`);
  });

  it('keeps harmless parameters, the path and the separators, and drops the fragment', () => {
    expect(redactQuery('/admin/clients?limit=5;token=t&cursor=abc#token=t')).toBe(
      `/admin/clients?limit=5;token=${R}&cursor=abc`,
    );
    expect(redactQuery('/x?flag&keyboard=1&monkey=2')).toBe('/x?flag&keyboard=1&monkey=2');
    expect(redactQuery('/no-query')).toBe('/no-query');
  });

  it('repeated and empty values are all redacted', () => {
    expect(redactQuery('/x?token=a&token=b&token=')).toBe(`/x?token=${R}&token=${R}&token=${R}`);
  });

  it('isCredentialName: exact short names only as whole names', () => {
    expect(isCredentialName('key')).toBe(true);
    expect(isCredentialName('sort_key')).toBe(false);
    expect(isCredentialName('code')).toBe(true);
    expect(isCredentialName('postcode')).toBe(false);
  });

  it('the audit redaction applies it to URLs inside event strings', () => {
    expect(redactString('/oauth/token?pass%77ord=hunter2&grant_type=x')).toBe(
      `/oauth/token?pass%77ord=${R}&grant_type=x`,
    );
  });
});
