import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ClientAuthFieldsDto } from './client-auth-fields.dto';

/** RFC 7009 §2.1 revocation and RFC 7662 §2.1 introspection requests share their shape. */
export class TokenOperationRequestDto extends ClientAuthFieldsDto {
  @ApiProperty({ description: 'An access token or a refresh token.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16384)
  token: string;

  @ApiPropertyOptional({
    enum: ['access_token', 'refresh_token'],
    description: 'A hint; unknown values are ignored.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  token_type_hint?: string;
}

/** RFC 7662 §2.2. Only `active` when the token is not active (or not the caller's). */
export class IntrospectionResponseDto {
  @ApiProperty()
  active: boolean;

  @ApiPropertyOptional({ example: 'read write' })
  scope?: string;

  @ApiPropertyOptional()
  client_id?: string;

  @ApiPropertyOptional()
  sub?: string;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  aud?: string | string[];

  @ApiPropertyOptional()
  iss?: string;

  @ApiPropertyOptional()
  exp?: number;

  @ApiPropertyOptional()
  iat?: number;

  @ApiPropertyOptional()
  jti?: string;

  @ApiPropertyOptional({ enum: ['Bearer', 'DPoP', 'refresh_token'] })
  token_type?: string;

  @ApiPropertyOptional({
    description: 'RFC 9449 §6.2: the DPoP key thumbprint a bound token is bound to',
    example: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' },
  })
  cnf?: { jkt: string };

  @ApiPropertyOptional()
  role?: string;
}
