import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class AuditLogEntryDto {
  @ApiProperty({ example: '66a4c2f0e1b2c3d4e5f60718' })
  id: string;

  @ApiProperty({ example: 'login_success' })
  event_type: string;

  @ApiPropertyOptional({ example: 'test_client' })
  client_id?: string;

  @ApiPropertyOptional({ example: '192.168.1.1' })
  ip?: string;

  @ApiProperty({ example: 'Valid credentials' })
  reason: string;

  @ApiProperty({ example: '2025-07-27T10:00:00.000Z' })
  timestamp: string;

  @ApiPropertyOptional({ example: '5b0e3c1e-1f7e-4c59-9c4e-3d1f0b6a2e11' })
  request_id?: string;

  @ApiPropertyOptional({
    description: 'Event-specific, redacted fields (never a secret or a token)',
    type: 'object',
    additionalProperties: true,
    example: { grant_type: 'client_credentials', jti: '3f2c…' },
  })
  details?: Record<string, unknown>;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditLogEntryDto] })
  items: AuditLogEntryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null at the end',
  })
  next_cursor: string | null;
}
