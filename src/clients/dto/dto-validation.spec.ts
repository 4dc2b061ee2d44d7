import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ClientIdParamDto, ListClientsQueryDto } from './client-params.dto';
import { CreateClientDto } from './create-client.dto';
import { AddSecretDto, RotateSecretDto } from './secret-requests.dto';
import { UpdateClientDto } from './update-client.dto';

async function errorsOf<T extends object>(cls: new () => T, body: unknown): Promise<string[]> {
  const errors = await validate(plainToInstance(cls, body) as object, {
    whitelist: true,
    forbidUnknownValues: true,
  });
  return errors.map((e) => e.property);
}

describe('client DTOs', () => {
  const valid = { scopes: ['read', 'write'], role: 'user' };

  it('accepts a minimal and a full create body', async () => {
    expect(await errorsOf(CreateClientDto, valid)).toEqual([]);
    expect(
      await errorsOf(CreateClientDto, {
        ...valid,
        client_id: 'svc.billing:prod-1',
        name: 'Billing',
        audiences: ['https://api.example.com'],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        refresh_tokens: true,
        access_token_ttl_seconds: 600,
        refresh_grace_seconds: 60,
      }),
    ).toEqual([]);
  });

  it.each([
    ['client_id', { ...valid, client_id: { $ne: null } }],
    ['client_id', { ...valid, client_id: 'has space' }],
    ['scopes', { ...valid, scopes: [{ $gt: '' }] }],
    ['scopes', { ...valid, scopes: 'read' }],
    ['scopes', { ...valid, scopes: ['has space'] }],
    ['role', { ...valid, role: { $ne: 'user' } }],
    ['role', { scopes: [] }],
    ['grant_types', { ...valid, grant_types: ['implicit'] }],
    ['token_endpoint_auth_method', { ...valid, token_endpoint_auth_method: 'none' }],
    ['jwks', { ...valid, jwks: 'keys' }],
    ['access_token_ttl_seconds', { ...valid, access_token_ttl_seconds: 1 }],
    ['refresh_tokens', { ...valid, refresh_tokens: 'yes' }],
    ['refresh_grace_seconds', { ...valid, refresh_grace_seconds: 61 }],
    ['refresh_grace_seconds', { ...valid, refresh_grace_seconds: -1 }],
    ['refresh_grace_seconds', { ...valid, refresh_grace_seconds: 1.5 }],
    ['refresh_grace_seconds', { ...valid, refresh_grace_seconds: '5' }],
  ])('create rejects a bad %s', async (property, body) => {
    expect(await errorsOf(CreateClientDto, body)).toContain(property);
  });

  it('update accepts null to reset ttl and jwks, and rejects operator objects', async () => {
    expect(await errorsOf(UpdateClientDto, { access_token_ttl_seconds: null, jwks: null })).toEqual(
      [],
    );
    expect(await errorsOf(UpdateClientDto, { role: { $ne: null } })).toEqual(['role']);
    expect(await errorsOf(UpdateClientDto, { disabled: 'true' })).toEqual(['disabled']);
    expect(await errorsOf(UpdateClientDto, { refresh_grace_seconds: 0 })).toEqual([]);
    expect(await errorsOf(UpdateClientDto, { refresh_grace_seconds: 61 })).toEqual([
      'refresh_grace_seconds',
    ]);
  });

  it('path, query and secret bodies are type-checked', async () => {
    expect(await errorsOf(ClientIdParamDto, { clientId: '../etc' })).toEqual(['clientId']);
    expect(await errorsOf(ListClientsQueryDto, { limit: '10', cursor: 'abc' })).toEqual([]);
    expect(await errorsOf(ListClientsQueryDto, { limit: '1000' })).toEqual(['limit']);
    expect(await errorsOf(ListClientsQueryDto, { cursor: { $gt: '' } })).toEqual(['cursor']);
    expect(await errorsOf(AddSecretDto, { expires_in: 'soon' })).toEqual(['expires_in']);
    expect(await errorsOf(RotateSecretDto, { overlap_seconds: -1 })).toEqual(['overlap_seconds']);
  });
});
