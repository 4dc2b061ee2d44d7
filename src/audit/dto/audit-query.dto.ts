import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { ALL_EVENT_TYPES } from '../audit-event-map';

export const MAX_PAGE_SIZE = 500;

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Only entries about this client', example: 'test_client' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  client_id?: string;

  @ApiPropertyOptional({ enum: ALL_EVENT_TYPES, example: 'login_failure' })
  @IsOptional()
  @IsIn(ALL_EVENT_TYPES)
  event_type?: string;

  @ApiPropertyOptional({
    description: 'Inclusive lower bound (ISO 8601)',
    example: '2025-07-27T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Inclusive upper bound (ISO 8601)',
    example: '2025-07-28T00:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'The next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this server issued' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}
