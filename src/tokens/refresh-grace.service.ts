import { Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '../config/app-config.service';
import { KeyEncryption } from './keys/key-encryption';
import { RefreshGracePairRepository } from './refresh-grace-pair.repository';
import { TokensClock } from './tokens.clock';
import type { GracePair } from './tokens.types';

/** How often a retry looks for the pair its concurrent first use is still minting. */
const POLL_MS = 25;
/**
 * How long a retry waits for that pair at most. A first use slower than this (or one that failed)
 * leaves the retry to ordinary reuse detection: the family is revoked, never a second pair minted.
 */
const MAX_WAIT_MS = 5_000;

/**
 * The grace period's memory: the pair a rotation issued, encrypted, for the client's
 * refresh_grace_seconds after the rotation. Exactly one instance mints (the compare-and-set on
 * the spent token), every retry within the window reads the same pair back from the database.
 */
@Injectable()
export class RefreshGraceService {
  private readonly encryption: KeyEncryption;

  constructor(
    private readonly pairs: RefreshGracePairRepository,
    private readonly clock: TokensClock,
    config: AppConfig,
  ) {
    this.encryption = new KeyEncryption(
      config.keyEncryptionKey,
      'aes-256-gcm refresh grace pair v1',
    );
  }

  /** Called by the rotation that won, once its pair exists. */
  async remember(spentHash: string, until: Date, pair: GracePair): Promise<void> {
    if (until.getTime() <= this.clock.now()) return;
    const plaintext = Buffer.from(JSON.stringify(pair));
    await this.pairs.insert({
      spent_token: spentHash,
      pair: this.encryption.encrypt(plaintext, spentHash),
      expires_at: until,
    });
  }

  /** The pair of the rotation that spent this token, waiting briefly for one still in flight. */
  async await(spentHash: string, until: Date): Promise<GracePair | undefined> {
    const deadline = Math.min(until.getTime(), this.clock.now() + MAX_WAIT_MS);
    for (;;) {
      const doc = await this.pairs.findLive(spentHash, this.clock.date());
      if (doc) return this.decrypt(doc.pair, spentHash);
      if (this.clock.now() + POLL_MS > deadline) return undefined;
      await sleep(POLL_MS);
    }
  }

  /** Past the window the pair is dead weight: drop it without waiting for the TTL monitor. */
  forget(spentHash: string): Promise<void> {
    return this.pairs.delete(spentHash);
  }

  private decrypt(wrapped: string, spentHash: string): GracePair | undefined {
    try {
      return JSON.parse(this.encryption.decrypt(wrapped, spentHash).toString('utf8')) as GracePair;
    } catch {
      // Wrapped under another KEY_ENCRYPTION_KEY (rotated meanwhile) or tampered with: no replay.
      return undefined;
    }
  }
}
