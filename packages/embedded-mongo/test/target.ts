import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo, type EmbeddedMongoOptions } from '@oauth2-m2m/embedded-mongo';

/**
 * The server under test: the embedded one, or a real MongoDB when MONGODB_TEST_URI is set, so the
 * same suites prove the embedded server behaves like mongod. Each suite gets its own database.
 */
export interface Target {
  uri: string;
  dbName: string;
  /** True when running against the embedded server (embedded-only assertions are skipped otherwise). */
  embedded: boolean;
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export const REAL_MONGO_URI = process.env.MONGODB_TEST_URI;

/** The package's built `embedded-mongo` bin, resolved the way any consumer would find it. */
export const CLI_PATH = path.join(
  path.dirname(require.resolve('@oauth2-m2m/embedded-mongo/package.json')),
  'dist/cli.js',
);

/** `it` for assertions that only make sense against the embedded server (internals, wire abuse). */
export const itEmbedded: jest.It = REAL_MONGO_URI ? it.skip : it;

export async function openTarget(
  suite: string,
  options: EmbeddedMongoOptions = {},
): Promise<Target> {
  const dbName = `emb_${suite}_${randomBytes(4).toString('hex')}`.slice(0, 60);
  let uri: string;
  let stopServer: (() => Promise<void>) | undefined;
  if (REAL_MONGO_URI) {
    uri = REAL_MONGO_URI;
  } else {
    const srv = await startEmbeddedMongo({ logger: false, ...options });
    uri = srv.uri;
    stopServer = () => srv.stop();
  }
  const client = await new MongoClient(uri, { serverSelectionTimeoutMS: 5000 }).connect();
  const db = client.db(dbName);
  return {
    uri,
    dbName,
    embedded: stopServer !== undefined,
    client,
    db,
    close: async () => {
      await db.dropDatabase().catch(() => undefined);
      await client.close();
      await stopServer?.();
    },
  };
}
