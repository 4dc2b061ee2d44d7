import {
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
} from '../common/errors/oauth-errors';
import {
  assertNoDuplicateParameters,
  grantAudience,
  grantScopes,
  intersectScopes,
  parseResources,
  parseScope,
} from './scope';

describe('scope helpers', () => {
  it('parses space-delimited scopes, dropping empties and duplicates', () => {
    expect(parseScope(undefined)).toEqual([]);
    expect(parseScope('')).toEqual([]);
    expect(parseScope(' read  write read ')).toEqual(['read', 'write']);
  });

  it('rejects characters RFC 6749 §3.3 does not allow in a scope token', () => {
    expect(() => parseScope('read "x"')).toThrow(InvalidScopeError);
    expect(() => parseScope('a\\b')).toThrow(InvalidScopeError);
  });

  it('grants all allowed scopes when none are requested, the requested ones when allowed', () => {
    expect(grantScopes([], ['read', 'write'])).toEqual(['read', 'write']);
    expect(grantScopes(['write'], ['read', 'write'])).toEqual(['write']);
    expect(() => grantScopes(['admin'], ['read'])).toThrow(
      new InvalidScopeError('scope not allowed for this client: admin'),
    );
  });

  it('intersects a grant with the current registration', () => {
    expect(intersectScopes(['read', 'write', 'admin'], ['write', 'read'])).toEqual([
      'read',
      'write',
    ]);
  });

  it('accepts absolute resource URIs only and checks them against the allowed audiences', () => {
    expect(parseResources('https://api.example.com')).toEqual(['https://api.example.com']);
    expect(parseResources(['urn:a', 'urn:a', 'urn:b'])).toEqual(['urn:a', 'urn:b']);
    expect(() => parseResources('api')).toThrow(InvalidTargetError);
    expect(() => parseResources('https://api.example.com/#x')).toThrow(InvalidTargetError);
    expect(grantAudience([], ['urn:a'], ['urn:default'])).toEqual(['urn:default']);
    expect(grantAudience(['urn:a'], ['urn:a', 'urn:b'], [])).toEqual(['urn:a']);
    expect(() => grantAudience(['urn:c'], ['urn:a'], [])).toThrow(
      new InvalidTargetError('resource not allowed for this client: urn:c'),
    );
  });

  it('refuses repeated parameters unless they may repeat', () => {
    expect(() => assertNoDuplicateParameters({ scope: ['a', 'b'] }, ['resource'])).toThrow(
      new InvalidRequestError('parameter scope was sent more than once'),
    );
    expect(() =>
      assertNoDuplicateParameters({ resource: ['a', 'b'], scope: 'x' }, ['resource']),
    ).not.toThrow();
  });
});
