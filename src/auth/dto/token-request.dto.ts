import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { TOKEN_EXCHANGE_GRANT } from '../../clients/clients.types';
import { ClientAuthFieldsDto } from './client-auth-fields.dto';

const EXCHANGE_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:access_token',
  'urn:ietf:params:oauth:token-type:jwt',
];

/**
 * An optional form parameter that may repeat: one value arrives as a string, several as an array,
 * so it is always an array from here on; at most 16 values of at most `maxLength` characters.
 * Listed bottom-up, the order stacked decorators are applied in, so validation runs as before.
 */
const RepeatableString = (maxLength: number) =>
  applyDecorators(
    MaxLength(maxLength, { each: true }),
    ArrayMaxSize(16),
    IsString({ each: true }),
    IsArray(),
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value)),
  );

/** RFC 6749 §4.4.2 / §6 token request, form-encoded. */
export class TokenRequestDto extends ClientAuthFieldsDto {
  @ApiProperty({ enum: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT] })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  grant_type?: string;

  @ApiPropertyOptional({
    description: "Space-separated; must be within the client's scopes. Empty: all of them.",
    example: 'read',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  scope?: string;

  @ApiPropertyOptional({
    description: "RFC 8707 resource indicator (may repeat); one of the client's allowed audiences.",
    type: [String],
  })
  @RepeatableString(2048)
  resource?: string[];

  @ApiPropertyOptional({ description: 'grant_type=refresh_token only.' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  refresh_token?: string;

  @ApiPropertyOptional({
    description: 'Token exchange (RFC 8693): the token whose subject the new token is about.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  subject_token?: string;

  @ApiPropertyOptional({ enum: EXCHANGE_TOKEN_TYPES })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  subject_token_type?: string;

  @ApiPropertyOptional({ description: 'Token exchange: who acts for the subject (delegation).' })
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  actor_token?: string;

  @ApiPropertyOptional({ enum: EXCHANGE_TOKEN_TYPES })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor_token_type?: string;

  @ApiPropertyOptional({ enum: EXCHANGE_TOKEN_TYPES })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  requested_token_type?: string;

  @ApiPropertyOptional({
    description:
      "Token exchange target (may repeat); must be in the client's token_exchange policy.",
    type: [String],
  })
  @RepeatableString(512)
  audience?: string[];
}
