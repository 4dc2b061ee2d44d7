import { Controller, Get } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { AuthenticatedClient } from '../common/auth/authenticated-client';
import { CurrentClient, Roles, Scopes } from '../common/decorators';
import { AccessGrantedDto } from './dto/access-granted.dto';
import { ExamplesService } from './examples.service';

/**
 * The FastAPI service's protected routes, and the model of a protected module: the global guard has already
 * verified the bearer token; @Scopes/@Roles state what the route needs; @CurrentClient is the caller.
 */
@ApiTags('examples')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({
  description: 'missing, invalid, expired or revoked token (invalid_token)',
})
@ApiForbiddenResponse({ description: 'insufficient_scope or access_denied' })
@Controller()
export class ExamplesController {
  constructor(private readonly examples: ExamplesService) {}

  @Get('protected')
  @Scopes('read')
  @ApiOAuth2(['read'], 'oauth2')
  @ApiOperation({ summary: 'Requires scope read' })
  @ApiOkResponse({ type: AccessGrantedDto })
  protected(@CurrentClient() client: AuthenticatedClient): AccessGrantedDto {
    return this.examples.accessGranted(client, 'Access granted');
  }

  @Get('admin-only')
  @Scopes('admin')
  @Roles('admin')
  @ApiOAuth2(['admin'], 'oauth2')
  @ApiOperation({ summary: 'Requires scope admin and role admin' })
  @ApiOkResponse({ type: AccessGrantedDto })
  adminOnly(@CurrentClient() client: AuthenticatedClient): AccessGrantedDto {
    return this.examples.accessGranted(client, 'Admin access granted');
  }
}
