import { createClientsHarness } from '../../support/clients-harness';

/** Which registry changes revoke a client's tokens (the revocation itself is tested end to end). */
describe('ClientsService: lifecycle changes revoke the client tokens', () => {
  let h: ReturnType<typeof createClientsHarness>;

  beforeEach(async () => {
    h = createClientsHarness();
    await h.clients.create({ clientId: 'svc', scopes: ['read', 'write'], role: 'admin' });
  });

  it.each([
    ['a demotion', { role: 'user' }],
    ['fewer scopes', { scopes: ['read'] }],
    ['other scopes', { scopes: ['read', 'admin'] }],
    ['new audiences', { audiences: ['https://api.example.com'] }],
    ['disabling', { disabled: true }],
  ])('%s revokes', async (_what, patch) => {
    await h.clients.update('svc', patch);
    expect(h.revocation.revokedClients).toEqual(['svc']);
  });

  it.each([
    ['a rename', { name: 'renamed' }],
    ['the same role', { role: 'admin' }],
    ['the same scopes in another order', { scopes: ['write', 'read'] }],
    ['a token lifetime', { accessTokenTtlSeconds: 120 }],
    ['enabling', { disabled: false }],
  ])('%s keeps the tokens', async (_what, patch) => {
    await h.clients.update('svc', patch);
    expect(h.revocation.revokedClients).toEqual([]);
  });

  it('deleting revokes', async () => {
    await h.clients.delete('svc');
    expect(h.revocation.revokedClients).toEqual(['svc']);
  });
});
