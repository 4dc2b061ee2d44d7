import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** The FastAPI service's `/token` form (FastAPI's OAuth2PasswordRequestForm): username = client_id, password = client_secret. */
export class LegacyTokenRequestDto {
  @ApiProperty({ description: 'The client_id.', example: 'test_client' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  username: string;

  @ApiProperty({ description: 'The client_secret.', example: 'test_secret' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ enum: ['password', 'client_credentials'] })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  grant_type?: string;

  @ApiPropertyOptional({
    description: "Space-separated; within the client's scopes. Empty: all of them.",
    example: 'read',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  scope?: string;
}

export class LegacyRefreshRequestDto {
  @ApiProperty({ example: 'abc123...' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  refresh_token: string;
}

export class LegacyRevokeRequestDto {
  @ApiProperty({ example: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16384)
  access_token: string;
}

export class LegacyRevokeResponseDto {
  @ApiProperty({ example: 'Token revoked' })
  message: string;
}
