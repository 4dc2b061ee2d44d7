import { Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config.service';
import { validateEnv, type EnvironmentVariables } from './env.validation';

@Global()
@Module({
  imports: [
    NestConfigModule.forRoot({
      // .env is read when present; real environment variables win over it.
      envFilePath: ['.env'],
      validate: validateEnv,
      cache: true,
    }),
  ],
  providers: [
    {
      provide: AppConfig,
      inject: [ConfigService],
      useFactory: (config: ConfigService<EnvironmentVariables, true>) =>
        new AppConfig((key) => config.get(key, { infer: true })),
    },
  ],
  exports: [AppConfig],
})
export class ConfigModule {}
