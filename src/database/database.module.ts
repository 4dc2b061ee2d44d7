import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config.service';
import { EmbeddedDatabase } from './embedded-database.service';

@Global()
@Module({
  providers: [EmbeddedDatabase],
  exports: [EmbeddedDatabase],
})
class EmbeddedDatabaseModule {}

@Module({
  imports: [
    EmbeddedDatabaseModule,
    MongooseModule.forRootAsync({
      inject: [AppConfig, EmbeddedDatabase],
      useFactory: async (config: AppConfig, embedded: EmbeddedDatabase) => ({
        uri: await embedded.resolveUri(),
        dbName: config.mongoDbName,
        // Indexes (unique, TTL) are part of the schema contract; build them at start-up.
        autoIndex: true,
        autoCreate: true,
        serverSelectionTimeoutMS: config.mongoConnectTimeoutMs,
        // One attempt: an unreachable database ends start-up with one line, not minutes of retries.
        retryAttempts: 0,
      }),
    }),
  ],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(
    @Inject(getConnectionToken()) private readonly connection: Connection,
    private readonly embedded: EmbeddedDatabase,
  ) {}

  /** Close the client first so the embedded server's last writes are flushed after it. */
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
    await this.embedded.stop();
  }
}
