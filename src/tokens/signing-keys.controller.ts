import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../common/decorators';
import { SigningKeyListDto } from './dto/signing-key.dto';
import { SigningKeyService } from './signing-key.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiOAuth2(['admin'], 'oauth2')
@Scopes('admin')
@Roles('admin')
@Controller('admin/keys')
export class SigningKeysController {
  constructor(private readonly keys: SigningKeyService) {}

  @Get()
  @ApiOperation({ summary: 'List signing keys (next, active, retired) without private material' })
  @ApiOkResponse({ type: SigningKeyListDto })
  async list(): Promise<SigningKeyListDto> {
    return { keys: await this.keys.list() };
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rotate: the published next key starts signing, the active key is retired, a new next key is published',
  })
  @ApiOkResponse({ type: SigningKeyListDto })
  async rotate(): Promise<SigningKeyListDto> {
    return { keys: await this.keys.rotate() };
  }
}
