import { ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_FEDERATED_CREDENTIALS } from '../federated-credentials.validator';
import { FederatedCredentialDto, toFederatedCredentials } from './federated-credential.dto';
import type { ClientJwks, TokenExchangePolicy, UpdateClientInput } from '../clients.types';
import { CreateClientDto, MAX_TTL_SECONDS, MIN_TTL_SECONDS } from './create-client.dto';

/**
 * Every field optional; absent fields stay as they are. The fields shared with creation keep its
 * rules and messages; jwks and the TTL also take null (remove it), and a client can be disabled.
 */
export class UpdateClientDto extends PartialType(
  OmitType(CreateClientDto, [
    'client_id',
    'jwks',
    'access_token_ttl_seconds',
    'federated_credentials',
    'token_exchange',
  ] as const),
) {
  @ApiPropertyOptional({
    type: 'object',
    properties: { audiences: { type: 'array', items: { type: 'string' } } },
    nullable: true,
    description: 'null: no token exchange any more',
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsObject()
  token_exchange?: TokenExchangePolicy | null;

  @ApiPropertyOptional({
    type: [FederatedCredentialDto],
    nullable: true,
    maxItems: MAX_FEDERATED_CREDENTIALS,
    description: 'Replaces the list; null or [] removes them all',
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsArray()
  @ArrayMaxSize(MAX_FEDERATED_CREDENTIALS)
  @IsObject({ each: true })
  federated_credentials?: FederatedCredentialDto[] | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'null removes it',
  })
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsObject()
  jwks?: ClientJwks | null;

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
  ...(dto.federated_credentials !== undefined && {
    federatedCredentials:
      dto.federated_credentials === null
        ? null
        : (toFederatedCredentials(
            dto.federated_credentials,
          ) as UpdateClientInput['federatedCredentials']),
  }),
  ...(dto.token_exchange !== undefined && { tokenExchange: dto.token_exchange }),
  ...(dto.refresh_tokens !== undefined && { refreshTokens: dto.refresh_tokens }),
  ...(dto.dpop_bound_access_tokens !== undefined && {
    dpopBoundAccessTokens: dto.dpop_bound_access_tokens,
  }),
  ...(dto.dpop_nonce_required !== undefined && { dpopNonceRequired: dto.dpop_nonce_required }),
  ...(dto.access_token_ttl_seconds !== undefined && {
    accessTokenTtlSeconds: dto.access_token_ttl_seconds,
  }),
  ...(dto.refresh_grace_seconds !== undefined && {
    refreshGraceSeconds: dto.refresh_grace_seconds,
  }),
  ...(dto.disabled !== undefined && { disabled: dto.disabled }),
});
