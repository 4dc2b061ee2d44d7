import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.service';
import { AccessLogHook } from './access-log.hook';
import { loggerParams } from './logger-params';

/**
 * Structured JSON logs through nestjs-pino. main.ts routes Nest's own logger here with
 * `app.useLogger(app.get(Logger))`; the level comes from LOG_LEVEL (tests use `silent`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => loggerParams(config.logLevel),
    }),
  ],
  providers: [AccessLogHook],
})
export class LoggingModule {}
