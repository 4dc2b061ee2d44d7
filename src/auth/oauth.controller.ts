import { Body, Controller, Header, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthorizationEndpoint, type RequestMeta } from '../common/http/request-context';
import { Public } from '../common/decorators';
import { DpopService } from '../dpop/dpop.service';
import { OAuthErrorDto } from './dto/oauth-error.dto';
import { IntrospectionResponseDto, TokenOperationRequestDto } from './dto/token-operation.dto';
import { TokenRequestDto } from './dto/token-request.dto';
import { TokenResponseDto } from './dto/token-response.dto';
import { FormRequestGuard } from './http/form-request.guard';
import { Meta } from './http/request-meta.decorator';
import { TokenResponse } from './http/token-response.decorator';
import { oauthTokenRequest, toTokenResponse } from './token-endpoint.adapters';
import { TokenEndpointService } from './token-endpoint.service';
import { TokenOperationsService } from './token-operations.service';

const FORM = 'application/x-www-form-urlencoded';
const DPOP_HEADER = {
  name: 'DPoP',
  required: false,
  description:
    'RFC 9449 DPoP proof (typ dpop+jwt, htm POST, htu $ISSUER/oauth/token): binds the tokens to its key',
};
const BASIC_HEADER = {
  name: 'Authorization',
  required: false,
  description: 'client_secret_basic: "Basic base64(urlencode(client_id):urlencode(client_secret))"',
};

/** The standard endpoints. Public: they authenticate the client themselves. */
@ApiTags('oauth2')
@Public()
@UseGuards(FormRequestGuard)
@ApiConsumes(FORM)
@ApiHeader(BASIC_HEADER)
@ApiBadRequestResponse({ type: OAuthErrorDto, description: 'RFC 6749 §5.2 error' })
@ApiUnauthorizedResponse({ type: OAuthErrorDto, description: 'invalid_client' })
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly tokenEndpoint: TokenEndpointService,
    private readonly operations: TokenOperationsService,
    private readonly dpop: DpopService,
  ) {}

  @Post('token')
  @AuthorizationEndpoint('client')
  @TokenResponse()
  @ApiOperation({
    summary: 'Token endpoint (RFC 6749): client_credentials and refresh_token grants',
  })
  @ApiHeader(DPOP_HEADER)
  @ApiBody({ type: TokenRequestDto })
  @ApiOkResponse({ type: TokenResponseDto })
  async token(
    @Body() dto: TokenRequestDto,
    @Headers('authorization') authorization: string | undefined,
    @Headers('dpop') dpop: string | string[] | undefined,
    @Meta() meta: RequestMeta,
  ): Promise<TokenResponseDto> {
    const request = oauthTokenRequest(dto, authorization, meta);
    request.dpop = { proof: dpop, htu: this.dpop.htuFor('/oauth/token') };
    return toTokenResponse(await this.tokenEndpoint.handle(request));
  }

  @Post('revoke')
  @AuthorizationEndpoint('client')
  @HttpCode(200)
  @ApiOperation({ summary: 'Token revocation (RFC 7009): 200 even for unknown tokens' })
  @ApiBody({ type: TokenOperationRequestDto })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke. Empty body.' })
  revoke(
    @Body() dto: TokenOperationRequestDto,
    @Headers('authorization') authorization: string | undefined,
    @Meta() meta: RequestMeta,
  ): Promise<void> {
    return this.operations.revoke(dto, authorization, meta);
  }

  @Post('introspect')
  @AuthorizationEndpoint('client')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Token introspection (RFC 7662); foreign tokens are reported inactive' })
  @ApiBody({ type: TokenOperationRequestDto })
  @ApiOkResponse({ type: IntrospectionResponseDto })
  introspect(
    @Body() dto: TokenOperationRequestDto,
    @Headers('authorization') authorization: string | undefined,
    @Meta() meta: RequestMeta,
  ): Promise<IntrospectionResponseDto> {
    return this.operations.introspect(dto, authorization, meta);
  }
}
