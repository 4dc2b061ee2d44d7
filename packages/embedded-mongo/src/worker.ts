import { parentPort, workerData } from 'node:worker_threads';
import { DataDirectoryLockedError } from './persistence/data-dir-lock';
import type { EmbeddedLogger, EmbeddedMongoOptions } from './options';
import { createServer } from './start';
import type { WorkerMessage } from './worker-host';

/* Worker-thread entry: the whole server lives here; the parent only learns the port. */

const port = parentPort!;
const post = (m: WorkerMessage): void => port.postMessage(m);
const logger: EmbeddedLogger = {
  log: (message) => post({ type: 'log', level: 'log', message }),
  warn: (message) => post({ type: 'log', level: 'warn', message }),
  error: (message) => post({ type: 'log', level: 'error', message }),
};

const { options } = workerData as { options: EmbeddedMongoOptions };
const server = createServer(options, logger);

port.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  server
    .stop()
    .catch((err: unknown) => logger.error(`stop failed: ${(err as Error).message}`))
    .finally(() => {
      post({ type: 'stopped' });
      port.close();
    });
});

server.start().then(
  (p) => post({ type: 'ready', port: p }),
  (err: unknown) =>
    post(
      err instanceof DataDirectoryLockedError
        ? { type: 'locked', dataDir: err.dataDir, holderPid: err.holderPid, lockFile: err.lockFile }
        : { type: 'failed', message: (err as Error).message },
    ),
);
