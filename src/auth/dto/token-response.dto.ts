import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** RFC 6749 §5.1 successful token response. */
export class TokenResponseDto {
  @ApiProperty({ description: 'RFC 9068 JWT access token (typ at+jwt).' })
  access_token: string;

  @ApiProperty({
    enum: ['Bearer', 'DPoP'],
    description: 'DPoP when the request carried a DPoP proof (RFC 9449 §5)',
  })
  token_type: 'Bearer' | 'DPoP';

  @ApiProperty({ example: 900, description: 'Lifetime in seconds.' })
  expires_in: number;

  @ApiProperty({ example: 'read write' })
  scope: string;

  @ApiPropertyOptional({
    description: 'Only for clients configured for refresh tokens, and on every rotation.',
  })
  refresh_token?: string;

  @ApiPropertyOptional({
    description: 'Token exchange (RFC 8693 §2.2.1) only.',
    example: 'urn:ietf:params:oauth:token-type:access_token',
  })
  issued_token_type?: string;
}

/** The FastAPI service's `/token` and `/refresh` response, field for field. */
export class LegacyTokenResponseDto {
  @ApiProperty({ example: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...' })
  access_token: string;

  @ApiProperty({ example: 'abc123...' })
  refresh_token: string;

  @ApiProperty({ example: 'bearer' })
  token_type: 'bearer';
}
