import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators';
import { AuthorizationServerMetadataDto, JwksDto } from './dto/discovery.dto';
import { DiscoveryService } from './discovery.service';
import { JWKS_MAX_AGE_SECONDS } from '../tokens/tokens.constants';

@ApiTags('discovery')
@Public()
@Controller('.well-known')
export class DiscoveryController {
  constructor(private readonly discovery: DiscoveryService) {}

  @Get('oauth-authorization-server')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Authorization server metadata (RFC 8414)' })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto })
  authorizationServer(): AuthorizationServerMetadataDto {
    return this.discovery.metadata();
  }

  @Get('openid-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary:
      'The same metadata at the OpenID Connect discovery path, for libraries that look there',
  })
  @ApiOkResponse({ type: AuthorizationServerMetadataDto })
  openidConfiguration(): AuthorizationServerMetadataDto {
    return this.discovery.metadata();
  }

  @Get('jwks.json')
  // Short: a rotation publishes the next key ahead of use, and verifiers re-fetch on an unknown kid.
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiOperation({
    summary: 'Public signing keys (JWKS) for verifying access tokens',
    description:
      'The active key, the next key (published at least the cache time plus the longest token lifetime before it signs, also under KEY_ROTATION_DAYS) and retired keys until every token they signed has expired',
  })
  @ApiOkResponse({ type: JwksDto })
  jwks(): JwksDto {
    return this.discovery.jwks();
  }
}
