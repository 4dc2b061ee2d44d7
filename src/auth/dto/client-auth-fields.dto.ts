import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

/** Client authentication in the form body (client_secret_post, private_key_jwt), RFC 6749 §2.3.1 / RFC 7523. */
export class ClientAuthFieldsDto {
  @ApiPropertyOptional({
    description: 'Required for client_secret_post; optional with private_key_jwt.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_id?: string;

  @ApiPropertyOptional({
    description: 'client_secret_post. Prefer HTTP Basic (client_secret_basic).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  client_secret?: string;

  @ApiPropertyOptional({ example: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  client_assertion_type?: string;

  @ApiPropertyOptional({
    description: "private_key_jwt: a JWT signed with a key from the client's registered JWKS.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(16384)
  client_assertion?: string;
}
