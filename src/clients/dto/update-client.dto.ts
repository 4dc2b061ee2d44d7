import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { ROLE_PATTERN, SCOPE_TOKEN_PATTERN } from '../client-credentials';
import {
  GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientJwks,
  type GrantType,
  type TokenEndpointAuthMethod,
  type UpdateClientInput,
} from '../clients.types';
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS } from './create-client.dto';

/** Every field optional; absent fields stay as they are. */
export class UpdateClientDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN_PATTERN, {
    each: true,
    message: 'each scope must be a scope-token (RFC 6749 §3.3)',
  })
  scopes?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ROLE_PATTERN, { message: 'role must match ^[A-Za-z0-9._:-]{1,64}$' })
  role?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  audiences?: string[];

  @ApiPropertyOptional({ enum: GRANT_TYPES, isArray: true })
  @IsOptional()
  @IsArray()
  @IsIn(GRANT_TYPES, { each: true })
  grant_types?: GrantType[];

  @ApiPropertyOptional({ enum: TOKEN_ENDPOINT_AUTH_METHODS })
  @IsOptional()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS)
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'null removes it',
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsObject()
  jwks?: ClientJwks | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  refresh_tokens?: boolean;

  @ApiPropertyOptional({
    minimum: MIN_TTL_SECONDS,
    maximum: MAX_TTL_SECONDS,
    nullable: true,
    description: 'null: runtime default',
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsInt()
  @Min(MIN_TTL_SECONDS)
  @Max(MAX_TTL_SECONDS)
  access_token_ttl_seconds?: number | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export const toUpdateClientInput = (dto: UpdateClientDto): UpdateClientInput => ({
  ...(dto.name !== undefined && { name: dto.name }),
  ...(dto.scopes !== undefined && { scopes: dto.scopes }),
  ...(dto.role !== undefined && { role: dto.role }),
  ...(dto.audiences !== undefined && { audiences: dto.audiences }),
  ...(dto.grant_types !== undefined && { grantTypes: dto.grant_types }),
  ...(dto.token_endpoint_auth_method !== undefined && {
    tokenEndpointAuthMethod: dto.token_endpoint_auth_method,
  }),
  ...(dto.jwks !== undefined && { jwks: dto.jwks }),
  ...(dto.refresh_tokens !== undefined && { refreshTokens: dto.refresh_tokens }),
  ...(dto.access_token_ttl_seconds !== undefined && {
    accessTokenTtlSeconds: dto.access_token_ttl_seconds,
  }),
  ...(dto.disabled !== undefined && { disabled: dto.disabled }),
});
