import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';

type EmbeddedHandle = Awaited<ReturnType<typeof startEmbeddedMongo>>;

/**
 * Owns the embedded wire-compatible server when no MONGODB_URI is configured.
 * Everything else reaches the database through Mongoose and never knows which server it is.
 */
@Injectable()
export class EmbeddedDatabase {
  private readonly logger = new Logger('EmbeddedDatabase');
  private handle?: EmbeddedHandle;

  constructor(private readonly config: AppConfig) {}

  /** The URI to connect to: the configured one, or a freshly started embedded server's. */
  async resolveUri(): Promise<string> {
    const configured = this.config.mongoUri;
    if (configured) return configured;
    const { dataDir, port, maxDataMb } = this.config.embeddedDb;
    this.handle = await startEmbeddedMongo({
      port,
      dataDir,
      maxDataMb,
      // The database gets the second core; under jest (NODE_ENV=test) it stays in-process.
      inWorker: this.config.nodeEnv !== 'test',
      logger: this.logger,
    });
    this.logger.log(
      `embedded MongoDB-compatible server at ${this.handle.uri} (${dataDir ? `data in ${dataDir}` : 'in memory'})`,
    );
    return this.handle.uri;
  }

  get isEmbedded(): boolean {
    return this.handle !== undefined;
  }

  /** Flushes the journal; called after the Mongoose connection has closed. */
  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.stop();
  }
}
