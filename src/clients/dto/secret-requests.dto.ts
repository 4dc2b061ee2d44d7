import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

const TEN_YEARS = 10 * 365 * 86_400;
const NINETY_DAYS = 90 * 86_400;

export class AddSecretDto {
  @ApiPropertyOptional({
    description: 'Seconds until the new secret expires; omitted: never',
    minimum: 60,
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(TEN_YEARS)
  expires_in?: number;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    description: 'How long the current secrets stay valid next to the new one (0: expire them now)',
    default: 86_400,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(NINETY_DAYS)
  overlap_seconds?: number;
}
