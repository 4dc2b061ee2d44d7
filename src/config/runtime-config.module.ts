import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { RuntimeConfigRepository } from './runtime-config.repository';
import { RuntimeConfigService } from './runtime-config.service';
import { JwtConfig, JwtConfigSchema } from './schemas/jwt-config.schema';

@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: JwtConfig.name, schema: JwtConfigSchema }])],
  providers: [RuntimeConfigRepository, RuntimeConfigService],
  exports: [RuntimeConfigService],
})
export class RuntimeConfigModule {}
