import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOAuth2,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { NoStore, Roles, Scopes } from '../common/decorators';
import { AdminRequestMeta } from './admin-request-meta.decorator';
import { ClientSecretsService } from './client-secrets.service';
import type { RequestMeta } from './clients.types';
import { ClientsService } from './clients.service';
import { ClientIdParamDto, ListClientsQueryDto, SecretIdParamDto } from './dto/client-params.dto';
import {
  ClientListResponseDto,
  ClientResponseDto,
  ClientSecretResponseDto,
  CreatedClientResponseDto,
  IssuedSecretResponseDto,
  RotatedSecretResponseDto,
} from './dto/client-response.dto';
import { CreateClientDto, toCreateClientInput } from './dto/create-client.dto';
import { AddSecretDto, RotateSecretDto } from './dto/secret-requests.dto';
import { toUpdateClientInput, UpdateClientDto } from './dto/update-client.dto';

@ApiTags('admin: clients')
@ApiBearerAuth('bearer')
@ApiOAuth2(['admin'], 'oauth2')
@Scopes('admin')
@Roles('admin')
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly secrets: ClientSecretsService,
  ) {}

  @Post()
  @NoStore()
  @ApiOperation({
    summary: 'Register a client; the response carries its secret, shown only this once',
  })
  @ApiCreatedResponse({ type: CreatedClientResponseDto })
  async create(
    @Body() dto: CreateClientDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<CreatedClientResponseDto> {
    return CreatedClientResponseDto.fromCreated(
      await this.clients.create(toCreateClientInput(dto), meta),
    );
  }

  @Get()
  @ApiOperation({ summary: 'List clients in client_id order (cursor pagination)' })
  @ApiOkResponse({ type: ClientListResponseDto })
  async list(@Query() query: ListClientsQueryDto): Promise<ClientListResponseDto> {
    return ClientListResponseDto.from(
      await this.clients.list({ limit: query.limit, cursor: query.cursor }),
    );
  }

  @Get(':clientId')
  @ApiOkResponse({ type: ClientResponseDto })
  async get(@Param() params: ClientIdParamDto): Promise<ClientResponseDto> {
    return ClientResponseDto.from(await this.clients.get(params.clientId));
  }

  @Patch(':clientId')
  @ApiOperation({ summary: 'Change settings; absent fields stay as they are' })
  @ApiOkResponse({ type: ClientResponseDto })
  async update(
    @Param() params: ClientIdParamDto,
    @Body() dto: UpdateClientDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<ClientResponseDto> {
    return ClientResponseDto.from(
      await this.clients.update(params.clientId, toUpdateClientInput(dto), meta),
    );
  }

  @Delete(':clientId')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a client (its issued tokens stay valid until revoked or expired)',
  })
  @ApiNoContentResponse()
  async remove(
    @Param() params: ClientIdParamDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.clients.delete(params.clientId, meta);
  }

  @Post(':clientId/secrets')
  @NoStore()
  @ApiOperation({ summary: 'Add a secret next to the existing ones' })
  @ApiCreatedResponse({ type: IssuedSecretResponseDto })
  async addSecret(
    @Param() params: ClientIdParamDto,
    @Body() dto: AddSecretDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<IssuedSecretResponseDto> {
    return IssuedSecretResponseDto.from(
      await this.secrets.add(params.clientId, { expiresInSeconds: dto.expires_in }, meta),
    );
  }

  @Post(':clientId/secrets/rotate')
  @NoStore()
  @ApiOperation({
    summary: 'New secret; the current ones expire after overlap_seconds (default 24 h)',
  })
  @ApiCreatedResponse({ type: RotatedSecretResponseDto })
  async rotateSecret(
    @Param() params: ClientIdParamDto,
    @Body() dto: RotateSecretDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<RotatedSecretResponseDto> {
    return RotatedSecretResponseDto.from(
      await this.secrets.rotate(params.clientId, { overlapSeconds: dto.overlap_seconds }, meta),
    );
  }

  @Delete(':clientId/secrets/:secretId')
  @ApiOperation({ summary: 'Expire a secret now' })
  @ApiOkResponse({ type: ClientSecretResponseDto })
  async expireSecret(
    @Param() params: SecretIdParamDto,
    @AdminRequestMeta() meta: RequestMeta,
  ): Promise<ClientSecretResponseDto> {
    return ClientSecretResponseDto.from(
      await this.secrets.expire(params.clientId, params.secretId, meta),
    );
  }
}
