import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FederatedCredential } from '../clients.types';

/**
 * One trusted workload issuer, as the admin API takes and shows it. The shape rules (https URL,
 * `*` only at the end, at most a few entries) are checked by ClientsService for API and CLI alike.
 */
export class FederatedCredentialDto {
  @ApiProperty({
    description: 'The JWT `iss`: an https URL (http only on loopback outside production)',
    example: 'https://token.actions.githubusercontent.com',
  })
  issuer: string;

  @ApiProperty({
    description: 'The JWT `sub`, exact, or a prefix ending in `*`',
    example: 'system:serviceaccount:payments:*',
  })
  subject: string;

  @ApiPropertyOptional({ description: 'When set, the JWT `aud` must also contain it' })
  audience?: string;

  @ApiPropertyOptional({
    description: 'Else discovered from <issuer>/.well-known/openid-configuration',
  })
  jwks_uri?: string;

  static from(c: FederatedCredential): FederatedCredentialDto {
    return Object.assign(new FederatedCredentialDto(), {
      issuer: c.issuer,
      subject: c.subject,
      ...(c.audience !== undefined && { audience: c.audience }),
      ...(c.jwksUri !== undefined && { jwks_uri: c.jwksUri }),
    });
  }
}

/** Admin-API shape → the service's; unknown members are dropped, shapes checked by the service. */
export const toFederatedCredentials = (list: unknown[]): unknown[] =>
  list.map((entry) => {
    if (typeof entry !== 'object' || entry === null) return entry;
    const c = entry as Record<string, unknown>;
    return {
      issuer: c.issuer,
      subject: c.subject,
      ...(c.audience !== undefined && { audience: c.audience }),
      ...(c.jwks_uri !== undefined && { jwks_uri: c.jwks_uri }),
    };
  });
