import { defaultMaxDataMb } from './engine/memory-budget';
import { JournalPersistence } from './persistence/journal-persistence';
import {
  mongoUri,
  resolveLogger,
  type EmbeddedLogger,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
} from './options';
import { MongoServer } from './server';
import { startInWorker } from './worker-host';

/** Builds the server for the calling thread; also used by the worker entry point. */
export function createServer(options: EmbeddedMongoOptions, logger: EmbeddedLogger): MongoServer {
  const ref: { server?: MongoServer } = {};
  const persistence = options.dataDir
    ? new JournalPersistence(options.dataDir, {
        logger,
        // The engine holds documents as the wire decoder produces them (int64 promoted to number).
        deserializeOptions: { promoteLongs: true },
        onCompactNeeded: () => ref.server?.requestCompaction(),
      })
    : undefined;
  const server = new MongoServer({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    logger,
    persistence,
    ttlIntervalMs: options.ttlIntervalMs,
    compactAfterRecords: options.compactAfterRecords,
    // Resolved here, on the thread that holds the data: a worker has its own heap limit.
    maxDataBytes: Math.round((options.maxDataMb ?? defaultMaxDataMb()) * 1024 * 1024),
  });
  ref.server = server;
  return server;
}

export async function startInProcess(
  options: EmbeddedMongoOptions,
  logger: EmbeddedLogger,
): Promise<EmbeddedMongo & { server: MongoServer }> {
  const server = createServer(options, logger);
  const port = await server.start();
  const host = options.host ?? '127.0.0.1';
  return { uri: mongoUri(host, port), port, server, stop: () => server.stop() };
}

/**
 * Starts the embedded MongoDB-wire-compatible server. With `inWorker` it runs on its own
 * thread; `stop()` flushes the journal and ends that thread.
 */
export async function startEmbeddedMongo(
  options: EmbeddedMongoOptions = {},
): Promise<EmbeddedMongo> {
  const logger = resolveLogger(options.logger);
  if (options.inWorker) return startInWorker(options, logger);
  const running = await startInProcess(options, logger);
  return { uri: running.uri, port: running.port, stop: () => running.server.stop() };
}
