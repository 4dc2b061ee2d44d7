import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class ClientIdParamDto {
  @ApiProperty({ example: 'test_client' })
  @IsString()
  @Length(1, 128)
  clientId: string;
}

export class RevokeClientTokensResponseDto {
  @ApiProperty({ example: 'test_client' })
  client_id: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Every access token of the client issued before this instant is rejected',
  })
  revoked_before: Date;

  @ApiProperty({ example: 3, description: 'Refresh tokens revoked' })
  refresh_tokens_revoked: number;
}
