import { TOKEN_EXCHANGE_GRANT } from '../clients/clients.types';
import type { TokenExchangeGrant } from './grants/token-exchange.grant';
import type { OAuthClient } from '../clients/clients.types';
import type { ClientsService } from '../clients/clients.service';
import type { EventBus } from '../common/events';
import {
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTargetError,
  UnauthorizedClientError,
  UnsupportedGrantTypeError,
} from '../common/errors/oauth-errors';
import type { AccessTokenService } from '../tokens/access-token.service';
import {
  RefreshTokenConditionsUnmet,
  type RefreshTokenService,
} from '../tokens/refresh-token.service';
import type { AppConfig } from '../config/app-config.service';
import type { DpopService } from '../dpop/dpop.service';
import type { ClientAuthenticator } from './client-authenticator.service';
import { ClientCredentialsGrant } from './grants/client-credentials.grant';
import { PasswordGrant } from './grants/password.grant';
import { RefreshTokenGrant } from './grants/refresh-token.grant';
import { TokenEndpointService, type TokenRequest } from './token-endpoint.service';

const client = (over: Partial<OAuthClient> = {}): OAuthClient => ({
  clientId: 'c1',
  scopes: ['read', 'write'],
  role: 'user',
  audiences: ['https://api.example.com'],
  grantTypes: ['client_credentials', 'refresh_token', 'password'],
  tokenEndpointAuthMethod: 'client_secret_basic',
  refreshTokens: false,
  refreshGraceSeconds: 0,
  dpopBoundAccessTokens: false,
  dpopNonceRequired: false,
  disabled: false,
  ...over,
});

describe('TokenEndpointService', () => {
  const authenticate = jest.fn();
  const verify = jest.fn();
  const issueAccess = jest.fn();
  const issueRefresh = jest.fn();
  const consume = jest.fn();
  const rememberPair = jest.fn();
  const ownerOf = jest.fn();
  const findActive = jest.fn();
  const emit = jest.fn();
  const dpopVerify = jest.fn();
  const refreshTokens = {
    issue: issueRefresh,
    consume,
    ownerOf,
    rememberPair,
  } as unknown as RefreshTokenService;
  const service = new TokenEndpointService(
    { authenticate, verify } as unknown as ClientAuthenticator,
    { issue: issueAccess } as unknown as AccessTokenService,
    refreshTokens,
    { emit } as unknown as EventBus,
    { verify: dpopVerify } as unknown as DpopService,
    { dpop: { nonceRequired: false, proofMaxAgeSeconds: 60 } } as unknown as AppConfig,
    new ClientCredentialsGrant(),
    new RefreshTokenGrant(refreshTokens, { findActive } as unknown as ClientsService),
    new PasswordGrant(),
    { grantType: TOKEN_EXCHANGE_GRANT } as unknown as TokenExchangeGrant,
  );
  const meta = { ip: '10.0.0.1', requestId: 'r1' };
  const request = (over: Partial<TokenRequest> = {}): TokenRequest => ({
    grantType: 'client_credentials',
    offeredGrants: ['client_credentials', 'refresh_token'],
    clientAuth: { kind: 'request', authorization: 'Basic x', params: {} },
    meta,
    ...over,
  });

  beforeEach(() => {
    jest.resetAllMocks();
    authenticate.mockResolvedValue(client());
    verify.mockResolvedValue(client());
    issueAccess.mockResolvedValue({ token: 'at', jti: 'j1', expiresIn: 900, exp: 2_000_000_000 });
    issueRefresh.mockResolvedValue('rt');
  });

  it("issues a client_credentials token with all the client's scopes and emits token.issued", async () => {
    const issued = await service.handle(request());
    expect(issueAccess).toHaveBeenCalledWith({
      clientId: 'c1',
      scopes: ['read', 'write'],
      role: 'user',
      audience: [],
      ttlSeconds: undefined,
    });
    expect(issueRefresh).not.toHaveBeenCalled();
    expect(issued).toMatchObject({
      scopes: ['read', 'write'],
      refreshToken: undefined,
      grantType: 'client_credentials',
    });
    expect(emit).toHaveBeenCalledWith('token.issued', {
      clientId: 'c1',
      ip: '10.0.0.1',
      requestId: 'r1',
      request: meta,
      reason: 'client_credentials grant',
      grantType: 'client_credentials',
      jti: 'j1',
      scope: ['read', 'write'],
      audience: [],
      refreshTokenIssued: false,
    });
  });

  it('narrows by scope and selects the audience by resource', async () => {
    const issued = await service.handle(
      request({ scope: 'read', resource: 'https://api.example.com' }),
    );
    expect(issued.scopes).toEqual(['read']);
    expect(issued.audience).toEqual(['https://api.example.com']);
  });

  it('issues a refresh token on client_credentials only to clients configured for it', async () => {
    authenticate.mockResolvedValue(client({ refreshTokens: true }));
    const issued = await service.handle(request());
    expect(issued.refreshToken).toBe('rt');
    expect(issueRefresh).toHaveBeenCalledWith(expect.objectContaining({ accessJti: 'j1' }));
    // A new family, not a rotation.
    expect(issueRefresh.mock.calls[0][0]).not.toHaveProperty('rotation');
  });

  it.each<[Partial<TokenRequest>, Error]>([
    [{ grantType: undefined }, new InvalidRequestError('grant_type is required')],
    [
      { grantType: 'authorization_code' },
      new UnsupportedGrantTypeError('grant_type authorization_code is not supported'),
    ],
    [
      { grantType: 'password' },
      new UnsupportedGrantTypeError('grant_type password is not supported'),
    ],
    [{ scope: 'admin' }, new InvalidScopeError('scope not allowed for this client: admin')],
    [
      { resource: 'https://other.example.com' },
      new InvalidTargetError('resource not allowed for this client: https://other.example.com'),
    ],
  ])('refuses %p', async (over, expected) => {
    await expect(service.handle(request(over))).rejects.toThrow(expected);
    expect(issueAccess).not.toHaveBeenCalled();
  });

  it("keeps the pair of a rotation for the client's grace period", async () => {
    const grace = { spentHash: 'h1', until: new Date(2_000_000_000_000) };
    consume.mockResolvedValue({
      clientId: 'c1',
      scopes: ['read'],
      audience: [],
      familyId: 'f1',
      issuedAtMs: 1_700_000_000_000,
      grace,
    });
    authenticate.mockResolvedValue(client({ refreshGraceSeconds: 10 }));
    await service.handle(request({ grantType: 'refresh_token', refreshToken: 'old' }));
    expect(consume).toHaveBeenCalledWith('old', expect.any(Object), meta, 10);
    expect(rememberPair).toHaveBeenCalledWith(grace, {
      accessToken: { token: 'at', jti: 'j1', expiresIn: 900, exp: 2_000_000_000 },
      refreshToken: 'rt',
      scopes: ['read'],
      audience: [],
    });
  });

  it('replays a kept pair within the grace period: nothing minted, no second token.issued', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const replay = {
      accessToken: { token: 'at0', jti: 'j0', expiresIn: 900, exp },
      refreshToken: 'rt0',
      scopes: ['read'],
      audience: ['urn:a'],
    };
    consume.mockResolvedValue({
      clientId: 'c1',
      scopes: ['read'],
      audience: ['urn:a'],
      familyId: 'f1',
      issuedAtMs: 0,
      replay,
    });
    authenticate.mockResolvedValue(client({ refreshGraceSeconds: 10 }));
    const issued = await service.handle(
      request({ grantType: 'refresh_token', refreshToken: 'old' }),
    );
    expect(issued).toMatchObject({
      refreshToken: 'rt0',
      scopes: ['read'],
      audience: ['urn:a'],
      accessToken: { token: 'at0', jti: 'j0', exp },
    });
    expect(issued.accessToken.expiresIn).toBeGreaterThanOrEqual(599);
    expect(issued.accessToken.expiresIn).toBeLessThanOrEqual(600);
    expect(issueAccess).not.toHaveBeenCalled();
    expect(issueRefresh).not.toHaveBeenCalled();
    expect(rememberPair).not.toHaveBeenCalled();
    expect(emit).not.toHaveBeenCalledWith('token.issued', expect.anything());
  });

  it('refuses a grant the client is not registered for with unauthorized_client', async () => {
    authenticate.mockResolvedValue(client({ grantTypes: ['refresh_token'] }));
    await expect(service.handle(request())).rejects.toThrow(UnauthorizedClientError);
  });

  it('rotates a refresh token: current scopes ∩ grant, same family, scope may narrow the access token only', async () => {
    consume.mockResolvedValue({
      clientId: 'c1',
      scopes: ['read', 'write', 'admin'],
      audience: ['urn:a'],
      familyId: 'f1',
      issuedAtMs: 1_700_000_000_000,
    });
    authenticate.mockResolvedValue(client({ scopes: ['read', 'write'], registrationId: 'reg1' }));
    const issued = await service.handle(
      request({ grantType: 'refresh_token', refreshToken: 'old', scope: 'read' }),
    );
    // Scope and resource are conditions of the claim itself: checked before the token is consumed.
    expect(consume).toHaveBeenCalledWith(
      'old',
      { clientId: 'c1', clientRef: 'reg1', scopes: ['read'], audience: [], dpopJkt: null },
      meta,
      0,
    );
    expect(issued.scopes).toEqual(['read']);
    expect(issued.audience).toEqual(['urn:a']);
    expect(issueRefresh).toHaveBeenCalledWith({
      clientId: 'c1',
      clientRef: 'reg1',
      scopes: ['read', 'write'],
      role: 'user',
      audience: ['urn:a'],
      rotation: { familyId: 'f1', parentIssuedAtMs: 1_700_000_000_000 },
      accessJti: 'j1',
      accessExp: 2_000_000_000,
      meta,
    });
  });

  it('words a claim refused for scope or resource as the pipeline does (the token stays unused)', async () => {
    const grant = { clientId: 'c1', scopes: ['read'], audience: ['urn:a'], familyId: 'f1' };
    consume.mockRejectedValue(new RefreshTokenConditionsUnmet({ ...grant, issuedAtMs: 1 }));
    await expect(
      service.handle(request({ grantType: 'refresh_token', refreshToken: 'old', scope: 'write' })),
    ).rejects.toThrow(new InvalidScopeError('scope not allowed for this client: write'));
    await expect(
      service.handle(
        request({ grantType: 'refresh_token', refreshToken: 'old', resource: 'urn:b' }),
      ),
    ).rejects.toThrow(new InvalidTargetError('resource not allowed for this client: urn:b'));
    expect(issueAccess).not.toHaveBeenCalled();
  });

  it("does not consume the refresh token when the requested scope is beyond the client's", async () => {
    await expect(
      service.handle(request({ grantType: 'refresh_token', refreshToken: 'old', scope: 'admin' })),
    ).rejects.toThrow(InvalidScopeError);
    expect(consume).not.toHaveBeenCalled();
  });

  it("serves the FastAPI service's /refresh without client authentication, and refuses a disabled client", async () => {
    consume.mockResolvedValue({ clientId: 'c1', scopes: ['read'], audience: [], familyId: 'f1' });
    ownerOf.mockResolvedValue('c1');
    findActive.mockResolvedValue(client());
    const legacyRefresh = request({
      grantType: 'refresh_token',
      offeredGrants: ['refresh_token'],
      refreshToken: 'old',
      clientAuth: { kind: 'none' },
    });
    const issued = await service.handle(legacyRefresh);
    expect(authenticate).not.toHaveBeenCalled();
    expect(consume).toHaveBeenCalledWith(
      'old',
      { clientId: 'c1', clientRef: undefined, scopes: [], audience: [], dpopJkt: null },
      meta,
      0,
    );
    expect(issued.refreshToken).toBe('rt');
    findActive.mockResolvedValue(null);
    await expect(service.handle(legacyRefresh)).rejects.toThrow(InvalidGrantError);
    // Refused before the token is consumed.
    expect(consume).toHaveBeenCalledTimes(1);
  });

  it("the FastAPI service's /refresh checks the owner's grants before it consumes the token", async () => {
    ownerOf.mockResolvedValue('c1');
    findActive.mockResolvedValue(client({ grantTypes: ['password'] }));
    await expect(
      service.handle(
        request({
          grantType: 'refresh_token',
          offeredGrants: ['refresh_token'],
          refreshToken: 'old',
          clientAuth: { kind: 'none' },
        }),
      ),
    ).rejects.toThrow(UnauthorizedClientError);
    expect(ownerOf).toHaveBeenCalledWith('old');
    expect(consume).not.toHaveBeenCalled();
  });

  it("the FastAPI service's /token (password grant) always issues a refresh token", async () => {
    const issued = await service.handle(
      request({
        grantType: 'password',
        offeredGrants: ['password'],
        clientAuth: {
          kind: 'credentials',
          credentials: { method: 'client_secret_post', clientId: 'c1', clientSecret: 's' },
        },
      }),
    );
    expect(verify).toHaveBeenCalled();
    expect(issued.refreshToken).toBe('rt');
  });
});
