import { MongoClient, type Db } from 'mongodb';

/**
 * Documents per collection in the service's embedded database, read over its wire port. Taken
 * after every service row, the differences say what each request stores (audit entries, refresh
 * tokens...), which is what makes the database thread busy and the RSS grow.
 */
export class DbCensus {
  private constructor(
    private readonly client: MongoClient,
    private readonly dbName: string,
  ) {}

  static async connect(uri: string, dbName: string): Promise<DbCensus> {
    const client = new MongoClient(uri, {
      directConnection: true,
      serverSelectionTimeoutMS: 60_000,
      // The growth fill makes the database compact large journals; while it is busy the driver's
      // monitor must not declare it gone (its check times out after connectTimeoutMS).
      connectTimeoutMS: 300_000,
    });
    await client.connect();
    return new DbCensus(client, dbName);
  }

  /** The service's database over the same connection: the growth fill and the compaction command. */
  get db(): Db {
    return this.client.db(this.dbName);
  }

  /**
   * `since`: audit entries are broken down by type from then on only, so the census stays cheap
   * once the growth fill has put a million older entries in the collection.
   */
  async counts(since?: Date): Promise<Record<string, number>> {
    const db = this.db;
    const out: Record<string, number> = {};
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      // The collection's count, not a scan: a million audit entries would take seconds.
      out[name] = await db.collection(name).estimatedDocumentCount();
    }
    // The FastAPI service's audit field: which events are written per request says which emitter to look at.
    const byType = await db
      .collection('audit_logs')
      .aggregate<{ _id: string; n: number }>([
        ...(since ? [{ $match: { timestamp: { $gte: since } } }] : []),
        { $group: { _id: '$event_type', n: { $sum: 1 } } },
      ])
      .toArray()
      .catch(() => []);
    for (const { _id, n } of byType) out[`audit_logs[${_id}]`] = n;
    return out;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Per-request growth of each collection between two censuses; only collections that grew. */
export function growthPerRequest(
  before: Record<string, number>,
  after: Record<string, number>,
  requests: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    const grown = n - (before[name] ?? 0);
    // Two significant digits: 2.0 audit entries per request, or 0.0031 rate-limit documents.
    if (grown > 0 && requests > 0) out[name] = Number((grown / requests).toPrecision(2));
  }
  return out;
}
