import {
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
} from '../common/errors/oauth-errors';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Parses a space-delimited `scope` parameter; absent or empty means "everything allowed". */
export function parseScope(scope: string | undefined): string[] {
  if (scope === undefined) return [];
  const tokens = scope.split(' ').filter((s) => s.length > 0);
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token))
      throw new InvalidScopeError('scope contains an invalid character');
  }
  return [...new Set(tokens)];
}

/** The requested scopes if all are allowed, all allowed scopes if none were requested. */
export function grantScopes(requested: string[], allowed: readonly string[]): string[] {
  if (requested.length === 0) return [...allowed];
  const refused = requested.filter((s) => !allowed.includes(s));
  if (refused.length > 0)
    throw new InvalidScopeError(`scope not allowed for this client: ${refused.join(' ')}`);
  return requested;
}

/** Scopes a grant still carries after the client's registration changed. */
export const intersectScopes = (grant: readonly string[], current: readonly string[]): string[] =>
  grant.filter((s) => current.includes(s));

/** RFC 8707 §2: each `resource` is an absolute URI without a fragment. */
export function parseResources(resource: string | string[] | undefined): string[] {
  if (resource === undefined) return [];
  const values = Array.isArray(resource) ? resource : [resource];
  for (const value of values) {
    if (!isAbsoluteUri(value))
      throw new InvalidTargetError('resource must be an absolute URI without a fragment');
  }
  return [...new Set(values)];
}

/** Every requested resource must be among the allowed audiences; none requested: the default. */
export function grantAudience(
  requested: string[],
  allowed: readonly string[],
  fallback: string[],
): string[] {
  if (requested.length === 0) return fallback;
  const refused = requested.filter((r) => !allowed.includes(r));
  if (refused.length > 0)
    throw new InvalidTargetError(`resource not allowed for this client: ${refused.join(' ')}`);
  return requested;
}

function isAbsoluteUri(value: string): boolean {
  if (!URL.canParse(value)) return false;
  return !value.includes('#');
}

/** Form parameters must not repeat (RFC 6749 §3.1), except those a spec defines as repeatable. */
export function assertNoDuplicateParameters(body: unknown, repeatable: readonly string[]): void {
  if (body === null || typeof body !== 'object') return;
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value) && !repeatable.includes(name)) {
      throw new InvalidRequestError(`parameter ${name} was sent more than once`);
    }
  }
}
