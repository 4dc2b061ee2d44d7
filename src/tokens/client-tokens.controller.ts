import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Roles, Scopes } from '../common/decorators';
import { requestMetaOf } from '../common/http/request-context';
import { ClientIdParamDto, RevokeClientTokensResponseDto } from './dto/revoke-client-tokens.dto';
import { RevocationService } from './revocation.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@ApiOAuth2(['admin'], 'oauth2')
@Scopes('admin')
@Roles('admin')
@Controller('admin/clients')
export class ClientTokensController {
  constructor(private readonly revocation: RevocationService) {}

  @Post(':clientId/revoke-tokens')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke every access and refresh token of a client issued until now' })
  @ApiOkResponse({ type: RevokeClientTokensResponseDto })
  async revokeAll(
    @Param() { clientId }: ClientIdParamDto,
    @Req() req: FastifyRequest,
  ): Promise<RevokeClientTokensResponseDto> {
    const { ip, requestId } = requestMetaOf(req);
    const { revokedBefore, refreshTokensRevoked } = await this.revocation.revokeAllForClient(
      clientId,
      { ip, requestId },
    );
    return {
      client_id: clientId,
      revoked_before: revokedBefore,
      refresh_tokens_revoked: refreshTokensRevoked,
    };
  }
}
