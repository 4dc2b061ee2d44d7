import { startHttpTestApp, type HttpTestApp } from '../support/http-app';

/** The authorization server's endpoints are documented with their request and response schemas. */
describe('Swagger documentation of the auth endpoints', () => {
  let t: HttpTestApp;
  let doc: {
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
          responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
          tags?: string[];
        }
      >
    >;
    components: {
      schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
    };
  };

  beforeAll(async () => {
    t = await startHttpTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json();
  });
  afterAll(() => t?.close());

  it.each([
    ['/oauth/token', 'application/x-www-form-urlencoded', 'TokenRequestDto', 'TokenResponseDto'],
    [
      '/oauth/introspect',
      'application/x-www-form-urlencoded',
      'TokenOperationRequestDto',
      'IntrospectionResponseDto',
    ],
    [
      '/token',
      'application/x-www-form-urlencoded',
      'LegacyTokenRequestDto',
      'LegacyTokenResponseDto',
    ],
    ['/refresh', 'application/json', 'LegacyRefreshRequestDto', 'LegacyTokenResponseDto'],
    ['/revoke', 'application/json', 'LegacyRevokeRequestDto', 'LegacyRevokeResponseDto'],
  ])('POST %s: %s request %s, response %s', (path, contentType, request, response) => {
    const op = doc.paths[path].post;
    expect(op.requestBody?.content[contentType].schema.$ref).toBe(
      `#/components/schemas/${request}`,
    );
    expect(op.responses['200'].content?.['application/json'].schema.$ref).toBe(
      `#/components/schemas/${response}`,
    );
    expect(op.responses['400'] ?? op.responses['401']).toBeDefined();
  });

  it("documents the FastAPI service's /revoke answer and the RFC 7009 endpoint", () => {
    expect(doc.components.schemas.LegacyRevokeResponseDto.properties).toHaveProperty('message');
    expect(
      doc.paths['/oauth/revoke'].post.requestBody?.content['application/x-www-form-urlencoded'],
    ).toBeDefined();
  });

  it('documents discovery and the JWKS', () => {
    expect(
      doc.paths['/.well-known/oauth-authorization-server'].get.responses['200'].content?.[
        'application/json'
      ].schema.$ref,
    ).toBe('#/components/schemas/AuthorizationServerMetadataDto');
    expect(doc.paths['/.well-known/openid-configuration']).toBeDefined();
    expect(
      doc.paths['/.well-known/jwks.json'].get.responses['200'].content?.['application/json'].schema
        .$ref,
    ).toBe('#/components/schemas/JwksDto');
    expect(doc.components.schemas.LegacyTokenRequestDto.required).toEqual(
      expect.arrayContaining(['username', 'password']),
    );
  });
});
