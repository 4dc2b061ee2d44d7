import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** RFC 8414 §2 authorization server metadata (also served as openid-configuration). */
export class AuthorizationServerMetadataDto {
  @ApiProperty({ example: 'http://localhost:8000' })
  issuer: string;

  @ApiProperty({ example: 'http://localhost:8000/oauth/token' })
  token_endpoint: string;

  @ApiProperty({ example: 'http://localhost:8000/.well-known/jwks.json' })
  jwks_uri: string;

  @ApiProperty({ example: 'http://localhost:8000/oauth/introspect' })
  introspection_endpoint: string;

  @ApiProperty({ example: 'http://localhost:8000/oauth/revoke' })
  revocation_endpoint: string;

  @ApiProperty({ type: [String] })
  grant_types_supported: string[];

  @ApiProperty({ type: [String], description: 'No authorization endpoint: the list is empty.' })
  response_types_supported: string[];

  @ApiProperty({ type: [String] })
  scopes_supported: string[];

  @ApiProperty({ type: [String] })
  token_endpoint_auth_methods_supported: string[];

  @ApiProperty({ type: [String] })
  token_endpoint_auth_signing_alg_values_supported: string[];

  @ApiProperty({ type: [String] })
  introspection_endpoint_auth_methods_supported: string[];

  @ApiProperty({ type: [String] })
  introspection_endpoint_auth_signing_alg_values_supported: string[];

  @ApiProperty({ type: [String] })
  revocation_endpoint_auth_methods_supported: string[];

  @ApiProperty({ type: [String] })
  revocation_endpoint_auth_signing_alg_values_supported: string[];

  @ApiProperty({
    type: [String],
    description: 'Algorithms access tokens are signed with (RFC 9068).',
  })
  access_token_signing_alg_values_supported: string[];

  @ApiProperty({
    example: ['ES256', 'RS256', 'PS256'],
    description: 'Algorithms a DPoP proof may be signed with (RFC 9449 §5.1).',
  })
  dpop_signing_alg_values_supported: string[];

  @ApiPropertyOptional({ example: 'http://localhost:8000/docs' })
  service_documentation?: string;
}

export class JwksDto {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  keys: Record<string, unknown>[];
}
