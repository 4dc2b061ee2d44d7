import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config.service';
import { AccessLogHook } from './access-log.hook';
import { loggerParams, wantsPretty } from './logger-params';

/**
 * Structured logs through nestjs-pino: JSON lines, or readable lines on a terminal (LOG_FORMAT).
 * main.ts routes Nest's own logger here with `app.useLogger(app.get(Logger))`; the level comes
 * from LOG_LEVEL (tests use `silent`).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        loggerParams(config.logLevel, undefined, wantsPretty(config.logFormat)),
    }),
  ],
  providers: [AccessLogHook],
})
export class LoggingModule {}
