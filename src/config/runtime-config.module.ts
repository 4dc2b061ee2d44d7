import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AdminConfigController } from './admin-config.controller';
import { AdminConfigService } from './admin-config.service';
import { RuntimeConfigRepository } from './runtime-config.repository';
import { RuntimeConfigService } from './runtime-config.service';
import { JwtConfig, JwtConfigSchema } from './schemas/jwt-config.schema';

@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: JwtConfig.name, schema: JwtConfigSchema }])],
  controllers: [AdminConfigController],
  providers: [RuntimeConfigRepository, RuntimeConfigService, AdminConfigService],
  exports: [RuntimeConfigService],
})
export class RuntimeConfigModule {}
