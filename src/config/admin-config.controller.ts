import { Body, Controller, Get, Patch, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import { CurrentClient, Roles, Scopes } from '../common/decorators';
import { requestMetaOf } from '../common/http/request-context';
import { AdminConfigService } from './admin-config.service';
import { RuntimeConfigDto, UpdateRuntimeConfigDto } from './dto/runtime-config.dto';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('admin/config')
@Scopes('admin')
@Roles('admin')
export class AdminConfigController {
  constructor(private readonly config: AdminConfigService) {}

  @Get()
  @ApiOperation({ summary: 'The effective runtime configuration (jwt_config over the defaults)' })
  @ApiOkResponse({ type: RuntimeConfigDto })
  get(): RuntimeConfigDto {
    return this.config.current();
  }

  @Patch()
  @ApiOperation({
    summary: 'Change the rate limit, token lifetimes or signing algorithm at runtime',
  })
  @ApiOkResponse({ type: RuntimeConfigDto })
  update(
    @Body() dto: UpdateRuntimeConfigDto,
    @CurrentClient() caller: AuthenticatedClient,
    @Req() req: FastifyRequest,
  ): Promise<RuntimeConfigDto> {
    const { ip, requestId } = requestMetaOf(req);
    return this.config.update(dto, { clientId: caller?.clientId, ip, requestId });
  }
}
