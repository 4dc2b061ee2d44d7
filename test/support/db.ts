import { MongoClient, type Db } from 'mongodb';
import { sleep } from './process';

/**
 * Direct driver access to the database the spawned apps share: the tests check what is stored
 * (audit entries, document counts) independently of the app's own read paths.
 */

/** The app's default (MONGODB_DB); the harness never overrides it. */
export const DB_NAME = 'oauth2_m2m';

export async function connect(uri: string): Promise<{ client: MongoClient; db: Db }> {
  // One short-lived pool per test file; serverSelection kept short so a dead DB fails fast.
  const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 4 });
  return { client, db: client.db(DB_NAME) };
}

/** A client exactly as the FastAPI service's README inserts it: plaintext secret, no other fields. */
export async function insertLegacyClients(
  db: Db,
  clients: { clientId: string; secret: string; scopes?: string[]; role?: string }[],
): Promise<void> {
  await db.collection('clients').insertMany(
    clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      scopes: c.scopes ?? ['read', 'write'],
      role: c.role ?? 'user',
    })),
  );
}

export interface AuditEntry {
  _id: unknown;
  event_type: string;
  client_id?: string;
  ip?: string;
  reason?: string;
  timestamp?: Date;
}

/**
 * Audit writes are batched off the request path, so an entry appears shortly after the response;
 * poll (bounded) instead of asserting on a single read.
 */
export async function waitForAudit(
  db: Db,
  filter: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<AuditEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await db.collection<AuditEntry>('audit_logs').find(filter).toArray();
    if (found.length > 0 || Date.now() > deadline) return found;
    await sleep(50);
  }
}

export async function countsOf(db: Db, names: string[]): Promise<Record<string, number>> {
  const entries = await Promise.all(
    names.map(async (n) => [n, await db.collection(n).countDocuments({})] as const),
  );
  return Object.fromEntries(entries);
}
