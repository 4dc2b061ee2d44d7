import { MongoClient, type Db } from 'mongodb';
import { startEmbeddedMongo } from '@oauth2-m2m/embedded-mongo';

/** An embedded server prepared exactly as the FastAPI service's README prepares MongoDB, before the app starts. */
export interface LegacyDatabase {
  uri: string;
  db: Db;
  stop(): Promise<void>;
}

export const LEGACY_SECRET_KEY = 'your-super-secret-key-here';

export async function startLegacyDatabase(dbName = 'oauth2_m2m'): Promise<LegacyDatabase> {
  const server = await startEmbeddedMongo({ port: 0, logger: false });
  const client = await MongoClient.connect(server.uri);
  const db = client.db(dbName);
  // The README's two shell commands, verbatim.
  await db.collection('config').insertOne({
    _id: 'jwt_config' as never,
    SECRET_KEY: LEGACY_SECRET_KEY,
    ALGORITHM: 'HS256',
    ACCESS_TOKEN_EXPIRE_MINUTES: 15,
    MAX_REQUESTS_PER_MINUTE: 60,
  });
  await db.collection('clients').insertOne({
    client_id: 'test_client',
    client_secret: 'test_secret',
    scopes: ['read', 'write'],
    role: 'user',
  });
  return {
    uri: server.uri,
    db,
    stop: async () => {
      await client.close();
      await server.stop();
    },
  };
}

/** Document counts of every collection, to prove a request changed nothing stored. */
export async function collectionCounts(
  db: Db,
  except: string[] = [],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (!except.includes(name)) counts[name] = await db.collection(name).countDocuments();
  }
  return counts;
}
