import { ApiProperty } from '@nestjs/swagger';

/** RFC 6749 §5.2 error body, as every error of this server is rendered. */
export class OAuthErrorDto {
  @ApiProperty({ example: 'invalid_request' })
  error: string;

  @ApiProperty({ example: 'grant_type is required' })
  error_description: string;
}
