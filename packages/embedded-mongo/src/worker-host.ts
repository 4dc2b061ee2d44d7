import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataDirectoryLockedError } from './persistence/data-dir-lock';
import {
  mongoUri,
  type EmbeddedLogger,
  type EmbeddedMongo,
  type EmbeddedMongoOptions,
} from './options';

export type WorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string }
  // Structured, so the caller gets the same error class as in process.
  | { type: 'locked'; dataDir: string; holderPid: number; lockFile: string }
  | { type: 'stopped' }
  | { type: 'log'; level: 'log' | 'warn' | 'error'; message: string };

const STOP_TIMEOUT_MS = 15_000;

function spawn(options: EmbeddedMongoOptions): Worker {
  // Always the built JavaScript: the package ships dist/ and nothing is transpiled at run time.
  return new Worker(path.join(__dirname, 'worker.js'), { workerData: { options } });
}

/** Runs the server on a worker thread; the logger stays on this thread, fed by messages. */
export async function startInWorker(
  options: EmbeddedMongoOptions,
  logger: EmbeddedLogger,
): Promise<EmbeddedMongo> {
  const { logger: _logger, inWorker: _inWorker, ...plain } = options;
  const worker = spawn(plain);
  let stopped: (() => void) | undefined;
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'log') logger[m.level](m.message);
    else if (m.type === 'stopped') stopped?.();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m.type === 'ready') resolve(m.port);
      else if (m.type === 'failed') reject(new Error(m.message));
      else if (m.type === 'locked')
        reject(new DataDirectoryLockedError(m.dataDir, m.holderPid, m.lockFile));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`embedded database worker exited with code ${code}`)),
    );
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  let stopping: Promise<void> | undefined;
  worker.on('error', (err) => logger.error(`embedded database worker error: ${err.message}`));
  worker.on('exit', (code) => {
    if (!stopping) logger.error(`embedded database worker exited unexpectedly (code ${code})`);
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
        worker.once('exit', () => resolve());
        setTimeout(resolve, STOP_TIMEOUT_MS).unref();
      });
      worker.postMessage({ type: 'stop' });
      await done;
      await worker.terminate();
    })();
    return stopping;
  };
  return { uri: mongoUri(options.host ?? '127.0.0.1', port), port, stop };
}
