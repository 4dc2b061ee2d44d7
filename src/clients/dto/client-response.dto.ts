import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FederatedCredentialDto } from './federated-credential.dto';
import type { RotationResult } from '../client-secrets.service';
import {
  GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  type ClientJwks,
  type ClientPage,
  type ClientSecretView,
  type ClientView,
  type GrantType,
  type IssuedSecret,
  type TokenEndpointAuthMethod,
} from '../clients.types';

/** A secret's metadata. The hash is never part of any response. */
export class ClientSecretResponseDto {
  @ApiProperty() id: string;
  @ApiProperty() created_at: Date;
  @ApiPropertyOptional() expires_at?: Date;
  @ApiPropertyOptional() last_used_at?: Date;
  @ApiProperty() active: boolean;

  static from(view: ClientSecretView): ClientSecretResponseDto {
    return Object.assign(new ClientSecretResponseDto(), {
      id: view.id,
      created_at: view.createdAt,
      ...(view.expiresAt && { expires_at: view.expiresAt }),
      ...(view.lastUsedAt && { last_used_at: view.lastUsedAt }),
      active: view.active,
    });
  }
}

export class ClientResponseDto {
  @ApiProperty() client_id: string;
  @ApiPropertyOptional() name?: string;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty() role: string;
  @ApiProperty({ type: [String] }) audiences: string[];
  @ApiProperty({ enum: GRANT_TYPES, isArray: true }) grant_types: GrantType[];
  @ApiProperty({ enum: TOKEN_ENDPOINT_AUTH_METHODS })
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) jwks?: ClientJwks;
  @ApiPropertyOptional({ type: [FederatedCredentialDto] })
  federated_credentials?: FederatedCredentialDto[];
  @ApiPropertyOptional({
    type: 'object',
    properties: { audiences: { type: 'array', items: { type: 'string' } } },
  })
  token_exchange?: { audiences: string[] };
  @ApiProperty() refresh_tokens: boolean;
  @ApiProperty() dpop_bound_access_tokens: boolean;
  @ApiProperty() dpop_nonce_required: boolean;
  @ApiPropertyOptional() access_token_ttl_seconds?: number;
  @ApiProperty() refresh_grace_seconds: number;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ type: [ClientSecretResponseDto] }) secrets: ClientSecretResponseDto[];
  @ApiProperty({
    description: 'A FastAPI-era plaintext secret is still waiting to be migrated at its first use',
  })
  legacy_plaintext_secret: boolean;
  @ApiPropertyOptional() created_at?: Date;
  @ApiPropertyOptional() updated_at?: Date;

  static from(view: ClientView): ClientResponseDto {
    return Object.assign(new ClientResponseDto(), {
      client_id: view.clientId,
      ...(view.name !== undefined && { name: view.name }),
      scopes: view.scopes,
      role: view.role,
      audiences: view.audiences,
      grant_types: view.grantTypes,
      token_endpoint_auth_method: view.tokenEndpointAuthMethod,
      ...(view.jwks && { jwks: view.jwks }),
      ...(view.federatedCredentials && {
        federated_credentials: view.federatedCredentials.map((c) => FederatedCredentialDto.from(c)),
      }),
      ...(view.tokenExchangeAudiences && {
        token_exchange: { audiences: view.tokenExchangeAudiences },
      }),
      refresh_tokens: view.refreshTokens,
      dpop_bound_access_tokens: view.dpopBoundAccessTokens,
      dpop_nonce_required: view.dpopNonceRequired,
      ...(view.accessTokenTtlSeconds !== undefined && {
        access_token_ttl_seconds: view.accessTokenTtlSeconds,
      }),
      refresh_grace_seconds: view.refreshGraceSeconds,
      disabled: view.disabled,
      secrets: view.secrets.map((s) => ClientSecretResponseDto.from(s)),
      legacy_plaintext_secret: view.hasLegacySecret,
      ...(view.createdAt && { created_at: view.createdAt }),
      ...(view.updatedAt && { updated_at: view.updatedAt }),
    });
  }
}

/** A freshly generated secret: the only response that ever carries its value. */
export class IssuedSecretResponseDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Shown once; store it now' }) client_secret: string;
  @ApiPropertyOptional() expires_at?: Date;

  static from(secret: IssuedSecret): IssuedSecretResponseDto {
    return Object.assign(new IssuedSecretResponseDto(), {
      id: secret.id,
      client_secret: secret.value,
      ...(secret.expiresAt && { expires_at: secret.expiresAt }),
    });
  }
}

/** RFC 7591-style: the client plus its secret, shown once. */
export class CreatedClientResponseDto extends ClientResponseDto {
  @ApiPropertyOptional({ description: 'Shown once; absent for private_key_jwt clients' })
  client_secret?: string;
  @ApiPropertyOptional() client_secret_id?: string;

  static fromCreated(created: {
    client: ClientView;
    secret?: IssuedSecret;
  }): CreatedClientResponseDto {
    return Object.assign(new CreatedClientResponseDto(), ClientResponseDto.from(created.client), {
      ...(created.secret && {
        client_secret: created.secret.value,
        client_secret_id: created.secret.id,
      }),
    });
  }
}

export class RotatedSecretResponseDto {
  @ApiProperty({ type: IssuedSecretResponseDto }) secret: IssuedSecretResponseDto;
  @ApiProperty({
    type: [ClientSecretResponseDto],
    description: 'Previous secrets, valid until their expires_at',
  })
  expiring: ClientSecretResponseDto[];

  static from(result: RotationResult): RotatedSecretResponseDto {
    return Object.assign(new RotatedSecretResponseDto(), {
      secret: IssuedSecretResponseDto.from(result.secret),
      expiring: result.expiring.map((s) => ClientSecretResponseDto.from(s)),
    });
  }
}

export class ClientListResponseDto {
  @ApiProperty({ type: [ClientResponseDto] }) items: ClientResponseDto[];
  @ApiPropertyOptional({
    description: 'Pass as ?cursor= for the next page; absent on the last page',
  })
  next_cursor?: string;

  static from(page: ClientPage): ClientListResponseDto {
    return Object.assign(new ClientListResponseDto(), {
      items: page.items.map((c) => ClientResponseDto.from(c)),
      ...(page.nextCursor && { next_cursor: page.nextCursor }),
    });
  }
}
