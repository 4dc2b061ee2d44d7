import { Injectable } from '@nestjs/common';
import { toClientRecord, type ClientRecord } from './client.mapper';
import { ClientsRepository } from './clients.repository';

/**
 * How long a client read from the database is trusted. Consistency trade-off (for the README):
 * every write made through ClientsService invalidates this instance's entry at once, so this
 * instance never serves a client older than its own last write. Writes made elsewhere (another
 * server instance, the CLI, a hand edit in the shell) are seen within CACHE_TTL_MS: for up to that
 * long another instance may still accept a secret that was just expired, or a client that was
 * just disabled or deleted. Access tokens already issued are unaffected either way (revoke them
 * separately). 5 s keeps the token endpoint off the database for nearly every request while
 * bounding that window to less than the time an operator needs to react.
 */
export const CACHE_TTL_MS = 5_000;

/** Unknown client ids are cached too (an attacker's guesses must not all reach the database), so bound it. */
const MAX_ENTRIES = 10_000;

interface Entry {
  /** The promise, not the value, is stored: concurrent misses share one read. */
  record: Promise<ClientRecord | null>;
  expiresAt: number;
}

@Injectable()
export class ClientCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly repository: ClientsRepository) {}

  /** Disabled clients are returned too: authentication reports them with their precise reason. */
  get(clientId: string): Promise<ClientRecord | null> {
    const now = Date.now();
    const hit = this.entries.get(clientId);
    if (hit && hit.expiresAt > now) return hit.record;
    if (hit) this.entries.delete(clientId);

    const record = this.repository
      .findByClientId(clientId)
      .then((doc) => (doc ? toClientRecord(doc) : null));
    const entry: Entry = { record, expiresAt: now + CACHE_TTL_MS };
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(clientId, entry);
    // A failed read must not be cached; the caller still sees the error.
    record.catch(() => {
      if (this.entries.get(clientId) === entry) this.entries.delete(clientId);
    });
    return record;
  }

  /**
   * Called after every write. Deleting the entry (rather than updating it) also makes a read that
   * was in flight during the write harmless: its result is never stored.
   */
  invalidate(clientId: string): void {
    this.entries.delete(clientId);
  }

  clear(): void {
    this.entries.clear();
  }
}
