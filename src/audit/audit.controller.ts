import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../common/decorators';
import { AuditQueryService } from './audit-query.service';
import { AuditLogPageDto } from './dto/audit-log-page.dto';
import { AuditQueryDto } from './dto/audit-query.dto';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Controller('admin/audit')
@Scopes('admin')
@Roles('admin')
export class AuditController {
  constructor(private readonly audit: AuditQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Query the audit log, newest first, with cursor pagination' })
  @ApiOkResponse({ type: AuditLogPageDto })
  list(@Query() query: AuditQueryDto): Promise<AuditLogPageDto> {
    return this.audit.search(query);
  }
}
