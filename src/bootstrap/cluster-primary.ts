import { Logger } from '@nestjs/common';
import cluster, { type Worker } from 'node:cluster';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';
import type { AppConfig } from '../config/app-config.service';

type EmbeddedHandle = Awaited<ReturnType<typeof startEmbeddedMongo>>;

/** A worker that dies this soon after its start is not restarted again: something is wrong. */
const CRASH_LOOP_MS = 5_000;
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The primary of `WORKERS > 1`: it serves nothing itself. It owns the embedded database when no
 * MONGODB_URI is set (so every worker shares one, as separate instances would share a mongod),
 * forks the HTTP workers, restarts one that crashes, and on SIGTERM/SIGINT stops the workers
 * before it flushes the database. Workers coordinate through the database exactly like separate
 * instances do (rate limits, revocations, refresh rotation, keys).
 */
export async function runClusterPrimary(config: AppConfig): Promise<void> {
  const logger = new Logger('Cluster');
  let embedded: EmbeddedHandle | undefined;
  let uri = config.mongoUri;
  if (!uri) {
    embedded = await startEmbeddedMongo({
      ...config.embeddedDb,
      inWorker: true,
      logger,
    });
    uri = embedded.uri;
  }

  let stopping = false;
  const startedAt = new Map<number, number>();
  const fork = (index: number): Worker => {
    // Only the first worker may create the first admin client: one secret printed, not N.
    const worker = cluster.fork({
      MONGODB_URI: uri,
      WORKERS: '1',
      BOOTSTRAP_ADMIN: index === 0 && config.bootstrapAdmin ? 'true' : 'false',
    });
    startedAt.set(worker.id, Date.now());
    worker.on('exit', (code, signal) => {
      if (stopping) return;
      const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
      logger.error(`worker ${worker.process.pid} exited (${signal ?? code}) after ${lived} ms`);
      if (lived < CRASH_LOOP_MS) {
        logger.error('a worker died right after its start: stopping instead of restarting');
        void shutdown(1);
        return;
      }
      fork(index);
    });
    return worker;
  };

  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => w.process.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await embedded?.stop();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0));
  process.once('SIGINT', () => void shutdown(0));

  // The first worker bootstraps an empty database alone; the others start once it listens.
  const first = fork(0);
  await new Promise<void>((resolve) => first.once('listening', () => resolve()));
  for (let i = 1; i < config.workers; i++) fork(i);
  logger.log(`${config.workers} workers serving on port ${config.port}`);
}
