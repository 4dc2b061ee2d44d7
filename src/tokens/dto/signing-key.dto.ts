import { ApiProperty } from '@nestjs/swagger';
import { SIGNING_KEY_STATUSES, type SigningKeyStatus } from '../schemas/signing-key.schema';

export class SigningKeyDto {
  @ApiProperty({ example: 'q3Jm1b0h3Yx7kS2c' })
  kid: string;

  @ApiProperty({ enum: ['ES256', 'RS256', 'PS256', 'EdDSA'] })
  alg: string;

  @ApiProperty({
    enum: SIGNING_KEY_STATUSES,
    description:
      'next: published, signs after the next rotation; active: signs; retired: published until its tokens expire',
  })
  status: SigningKeyStatus;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  activated_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  retired_at: Date | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Unpublished and deleted after',
  })
  delete_after: Date | null;
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto], description: 'Newest first; never any private material' })
  keys: SigningKeyDto[];
}
