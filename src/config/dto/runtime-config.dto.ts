import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { TOKEN_ALGORITHMS, type TokenAlgorithm } from '../runtime-config.service';

/** The runtime settings an admin may read; SECRET_KEY is never part of it. */
export class RuntimeConfigDto {
  @ApiProperty({ enum: TOKEN_ALGORITHMS, example: 'ES256' })
  algorithm: TokenAlgorithm;

  @ApiProperty({ example: 15 })
  access_token_expire_minutes: number;

  @ApiProperty({ example: 30 })
  refresh_token_expire_days: number;

  @ApiProperty({ example: 60 })
  max_requests_per_minute: number;
}

/** Same bounds as the environment variables that provide the defaults. */
export class UpdateRuntimeConfigDto {
  @ApiPropertyOptional({ enum: TOKEN_ALGORITHMS })
  @IsOptional()
  @IsIn(TOKEN_ALGORITHMS)
  algorithm?: TokenAlgorithm;

  @ApiPropertyOptional({ minimum: 1, maximum: 1440 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  access_token_expire_minutes?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 365 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  refresh_token_expire_days?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  max_requests_per_minute?: number;
}
