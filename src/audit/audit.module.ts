import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditQueryService } from './audit-query.service';
import { AuditWriter } from './audit-writer.service';
import { AuditController } from './audit.controller';
import { AuditListener } from './audit.listener';
import { AuditRepository } from './audit.repository';
import { AuditLog, AuditLogSchema } from './schemas/audit-log.schema';

/**
 * Listens to every domain event and keeps the audit log. Nobody imports this module to write:
 * emit an event instead. AuditQueryService is exported for the CLI (`audit tail`); AuditWriter
 * for tests and tools that must wait until entries are stored (`flush()`).
 */
@Module({
  imports: [MongooseModule.forFeature([{ name: AuditLog.name, schema: AuditLogSchema }])],
  controllers: [AuditController],
  providers: [AuditRepository, AuditWriter, AuditListener, AuditQueryService],
  exports: [AuditQueryService, AuditWriter],
})
export class AuditModule {}
