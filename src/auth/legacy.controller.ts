import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthorizationEndpoint, type RequestMeta } from '../common/http/request-context';
import { Public } from '../common/decorators';
import {
  LegacyRefreshRequestDto,
  LegacyRevokeRequestDto,
  LegacyRevokeResponseDto,
  LegacyTokenRequestDto,
} from './dto/legacy-requests.dto';
import { OAuthErrorDto } from './dto/oauth-error.dto';
import { LegacyTokenResponseDto } from './dto/token-response.dto';
import { FormRequestGuard } from './http/form-request.guard';
import { Meta } from './http/request-meta.decorator';
import { TokenResponse } from './http/token-response.decorator';
import {
  legacyRefreshRequest,
  legacyTokenRequest,
  toLegacyTokenResponse,
  withLegacyRefreshStatus,
} from './token-endpoint.adapters';
import { TokenEndpointService } from './token-endpoint.service';
import { TokenOperationsService } from './token-operations.service';

/** The FastAPI service's endpoints, same paths and shapes, on the same pipeline as /oauth/token. */
@ApiTags('legacy-compatible')
@Public()
@ApiBadRequestResponse({ type: OAuthErrorDto })
@ApiUnauthorizedResponse({ type: OAuthErrorDto })
@Controller()
export class LegacyController {
  constructor(
    private readonly tokenEndpoint: TokenEndpointService,
    private readonly operations: TokenOperationsService,
  ) {}

  @Post('token')
  @AuthorizationEndpoint('legacy-form')
  @TokenResponse()
  @UseGuards(FormRequestGuard)
  @ApiOperation({
    summary: "The FastAPI service's token endpoint: username = client_id, password = client_secret",
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: LegacyTokenRequestDto })
  @ApiOkResponse({ type: LegacyTokenResponseDto })
  async token(
    @Body() dto: LegacyTokenRequestDto,
    @Meta() meta: RequestMeta,
  ): Promise<LegacyTokenResponseDto> {
    return toLegacyTokenResponse(await this.tokenEndpoint.handle(legacyTokenRequest(dto, meta)));
  }

  @Post('refresh')
  @AuthorizationEndpoint('none')
  @TokenResponse()
  @ApiOperation({
    summary: 'Rotate a refresh token (the old one is invalidated; reuse revokes the family)',
  })
  @ApiBody({ type: LegacyRefreshRequestDto })
  @ApiOkResponse({ type: LegacyTokenResponseDto })
  async refresh(
    @Body() dto: LegacyRefreshRequestDto,
    @Meta() meta: RequestMeta,
  ): Promise<LegacyTokenResponseDto> {
    return toLegacyTokenResponse(
      await withLegacyRefreshStatus(this.tokenEndpoint.handle(legacyRefreshRequest(dto, meta))),
    );
  }

  @Post('revoke')
  @AuthorizationEndpoint('none')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke an access token of this server (by its jti, until it expires)' })
  @ApiBody({ type: LegacyRevokeRequestDto })
  @ApiOkResponse({ type: LegacyRevokeResponseDto })
  revoke(
    @Body() dto: LegacyRevokeRequestDto,
    @Meta() meta: RequestMeta,
  ): Promise<LegacyRevokeResponseDto> {
    return this.operations.revokeLegacy(dto.access_token, meta);
  }
}
