import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLIENT_ID_PATTERN } from '../client-credentials';
import { MAX_PAGE_SIZE } from '../clients.service';

export class ClientIdParamDto {
  @ApiProperty()
  @IsString()
  @Matches(CLIENT_ID_PATTERN, { message: 'clientId must match ^[A-Za-z0-9._:-]{1,128}$' })
  clientId: string;
}

export class SecretIdParamDto extends ClientIdParamDto {
  @ApiProperty()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'secretId is malformed' })
  secretId: string;
}

export class ListClientsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  cursor?: string;
}
