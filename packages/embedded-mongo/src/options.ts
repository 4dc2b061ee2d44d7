export interface EmbeddedLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface EmbeddedMongoOptions {
  /** 0 or undefined: a random free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Directory for the journal and snapshots; in-memory only when absent. */
  dataDir?: string;
  /** TTL monitor period; mongod's default is 60 s. */
  ttlIntervalMs?: number;
  /** Run the server in a worker thread so the database and the app use separate cores. */
  inWorker?: boolean;
  /** `false` silences the server; default writes to the console. */
  logger?: EmbeddedLogger | false;
  /**
   * Compact the journal after this many records, or as many as there are documents when that is
   * more (default 1,000,000; the journal also asks by size).
   */
  compactAfterRecords?: number;
  /**
   * Bound on the data held in memory, in MB of stored BSON (default: an eighth of
   * the V8 heap limit of the thread that runs the server, 512 under Node's defaults). A write past it fails
   * with ExceededMemoryLimit (code 146); nothing stored is lost and the process keeps serving.
   */
  maxDataMb?: number;
}

export interface EmbeddedMongo {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

const PREFIX = '[embedded-mongo]';

export const consoleLogger: EmbeddedLogger = {
  log: (m) => console.log(`${PREFIX} ${m}`),
  warn: (m) => console.warn(`${PREFIX} ${m}`),
  error: (m) => console.error(`${PREFIX} ${m}`),
};

export const silentLogger: EmbeddedLogger = {
  log: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function resolveLogger(logger: EmbeddedLogger | false | undefined): EmbeddedLogger {
  if (logger === false) return silentLogger;
  return logger ?? consoleLogger;
}

export function mongoUri(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `mongodb://${h}:${port}/?directConnection=true`;
}
