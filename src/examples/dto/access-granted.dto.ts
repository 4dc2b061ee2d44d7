import { ApiProperty } from '@nestjs/swagger';

/** What the example routes answer: who called and with what rights. */
export class AccessGrantedDto {
  @ApiProperty({ example: 'Access granted' })
  message: string;

  @ApiProperty({ example: 'test_client' })
  client_id: string;

  @ApiProperty({ type: [String], example: ['read', 'write'] })
  scopes: string[];

  @ApiProperty({ example: 'user' })
  role: string;
}
