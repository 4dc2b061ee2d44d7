export { CurrentClient } from './current-client.decorator';
export { Public } from './public.decorator';
export { RequiredRoles, Roles } from './roles.decorator';
export { RequiredScopes, Scopes } from './scopes.decorator';
export { NoStore } from './no-store.decorator';
