import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
} from 'class-validator';
import { MAX_FEDERATED_CREDENTIALS } from '../federated-credentials.validator';
import { FederatedCredentialDto, toFederatedCredentials } from './federated-credential.dto';
import { CLIENT_ID_PATTERN, ROLE_PATTERN, SCOPE_TOKEN_PATTERN } from '../client-credentials';
import {
  GRANT_TYPES,
  MAX_REFRESH_GRACE_SECONDS,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientJwks,
  type CreateClientInput,
  type GrantType,
  type TokenEndpointAuthMethod,
  type TokenExchangePolicy,
} from '../clients.types';

export const MIN_TTL_SECONDS = 30;
export const MAX_TTL_SECONDS = 86_400;

/** Shared by the admin API and the CLI, so both reject the same inputs with the same messages. */
export class CreateClientDto {
  @ApiPropertyOptional({ description: 'Generated (cl_…) when omitted', example: 'billing-service' })
  @IsOptional()
  @IsString()
  @Matches(CLIENT_ID_PATTERN, { message: 'client_id must match ^[A-Za-z0-9._:-]{1,128}$' })
  client_id?: string;

  @ApiPropertyOptional({ example: 'Billing service' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ type: [String], example: ['read', 'write'] })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Matches(SCOPE_TOKEN_PATTERN, {
    each: true,
    message: 'each scope must be a scope-token (RFC 6749 §3.3)',
  })
  scopes: string[];

  @ApiProperty({ example: 'user' })
  @IsString()
  @Matches(ROLE_PATTERN, { message: 'role must match ^[A-Za-z0-9._:-]{1,64}$' })
  role: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Allowed audiences (RFC 8707 resource values)',
  })
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

  @ApiPropertyOptional({
    enum: TOKEN_ENDPOINT_AUTH_METHODS,
    description:
      'client_secret_basic (default) and client_secret_post are interchangeable for secret clients; ' +
      'private_key_jwt requires jwks and accepts only signed assertions',
  })
  @IsOptional()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS)
  token_endpoint_auth_method?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Public JWK Set for private_key_jwt',
  })
  @IsOptional()
  @IsObject()
  jwks?: ClientJwks;

  @ApiPropertyOptional({
    type: [FederatedCredentialDto],
    maxItems: MAX_FEDERATED_CREDENTIALS,
    description:
      'Workload identity federation: a JWT of one of these issuers (Kubernetes, GitHub Actions, ' +
      'SPIFFE) with a matching sub authenticates the client as a client_assertion',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FEDERATED_CREDENTIALS)
  @IsObject({ each: true })
  federated_credentials?: FederatedCredentialDto[];

  @ApiPropertyOptional({
    type: 'object',
    properties: { audiences: { type: 'array', items: { type: 'string' }, maxItems: 50 } },
    description:
      'Token exchange (RFC 8693): the audience/resource values this client may exchange a token for',
    example: { audiences: ['https://billing.internal'] },
  })
  @IsOptional()
  @IsObject()
  token_exchange?: TokenExchangePolicy;

  @ApiPropertyOptional({
    description: 'client_credentials also returns a refresh token',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  refresh_tokens?: boolean;

  @ApiPropertyOptional({
    description:
      'RFC 9449 §5.2: every token request must carry a DPoP proof; tokens are then always DPoP-bound',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  dpop_bound_access_tokens?: boolean;

  @ApiPropertyOptional({
    description: 'DPoP proofs of this client must carry a server nonce (RFC 9449 §8)',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  dpop_nonce_required?: boolean;

  @ApiPropertyOptional({ minimum: MIN_TTL_SECONDS, maximum: MAX_TTL_SECONDS })
  @IsOptional()
  @IsInt()
  @Min(MIN_TTL_SECONDS)
  @Max(MAX_TTL_SECONDS)
  access_token_ttl_seconds?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_REFRESH_GRACE_SECONDS,
    default: 0,
    description:
      'A retry of a refresh within this many seconds of its first use, from the same client and IP, returns the same new token pair instead of revoking the family (0: off)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_REFRESH_GRACE_SECONDS)
  refresh_grace_seconds?: number;
}

export const toCreateClientInput = (dto: CreateClientDto): CreateClientInput => ({
  ...(dto.client_id !== undefined && { clientId: dto.client_id }),
  ...(dto.name !== undefined && { name: dto.name }),
  scopes: dto.scopes,
  role: dto.role,
  ...(dto.audiences !== undefined && { audiences: dto.audiences }),
  ...(dto.grant_types !== undefined && { grantTypes: dto.grant_types }),
  ...(dto.token_endpoint_auth_method !== undefined && {
    tokenEndpointAuthMethod: dto.token_endpoint_auth_method,
  }),
  ...(dto.jwks !== undefined && { jwks: dto.jwks }),
  ...(dto.federated_credentials !== undefined && {
    // Shapes are checked by ClientsService (which the CLI calls too).
    federatedCredentials: toFederatedCredentials(
      dto.federated_credentials,
    ) as CreateClientInput['federatedCredentials'],
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
});
