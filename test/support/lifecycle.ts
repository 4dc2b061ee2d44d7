import type { MongoClient } from 'mongodb';
import { killAll } from './process';
import { destroyAgent } from './http';

/** Every resilience suite ends the same way: sockets, the driver, every spawned process, the temp dir. */
export async function stopEverything(
  mongo?: MongoClient,
  tmp?: { cleanup(): void },
): Promise<void> {
  destroyAgent();
  await mongo?.close();
  await killAll();
  tmp?.cleanup();
}
