import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { EventBus } from '../common/events';
import { AppConfig } from '../config/app-config.service';
import type { KeyAlg, SigningKey, SigningKeyStatus } from './schemas/signing-key.schema';
import {
  CLOCK_LEEWAY_SECONDS,
  KEY_REFRESH_INTERVAL_MS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from './tokens.constants';
import { TokensClock } from './tokens.clock';
import type { PublicJwks } from './tokens.types';
import { isKeyStoreAlg, KEY_STORE_ALGS, type KeyStoreAlg } from './jwt/jwt-algorithms';
import { KeyEncryption } from './keys/key-encryption';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  importPublicJwk,
} from './keys/key-material';
import { SigningKeyRepository } from './signing-key.repository';

/** What the admin API shows about a key: never private material. */
export interface SigningKeyView {
  kid: string;
  alg: string;
  status: SigningKeyStatus;
  created_at: Date;
  activated_at: Date | null;
  retired_at: Date | null;
  delete_after: Date | null;
}

export interface VerificationKey {
  kid: string;
  /** As stored: a key of an older store may still say EdDSA, which no token is accepted with. */
  alg: KeyAlg;
  publicKey: KeyObject;
}

export interface SigningMaterial {
  kid: string;
  alg: KeyStoreAlg;
  privateKey: KeyObject;
}

interface LoadedKey extends VerificationKey {
  doc: SigningKey;
  privateKey?: KeyObject;
}

/** A kid nobody knows triggers at most one database read per this interval. */
const MISS_REFRESH_MIN_INTERVAL_MS = 1_000;

/**
 * Signing keys in the `signing_keys` collection, shared by every instance; KeyObjects are imported
 * once and cached (a refresh keeps the objects of unchanged kids).
 *
 * Rotation is publish-then-activate: there is always a published `next` key besides the `active`
 * one. `rotate()` promotes `next` to active, retires the old active key and creates a new `next`.
 * So every key is in the JWKS for a whole rotation period before it signs anything, with no timer
 * to configure and no window in which a resource server with a cached JWKS meets an unknown kid.
 * A retired key stays published until every token it signed has expired (the longest possible
 * lifetime + leeway), then it is unpublished and deleted.
 */
@Injectable()
export class SigningKeyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SigningKeyService.name);
  private readonly encryption: KeyEncryption;
  private keys = new Map<string, LoadedKey>();
  private signing?: SigningMaterial;
  /** The active key when it has an algorithm jsonwebtoken cannot sign with (EdDSA). */
  private unsupportedActive?: { kid: string; alg: string };
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private lastRefreshAt = 0;

  constructor(
    private readonly repository: SigningKeyRepository,
    private readonly config: AppConfig,
    private readonly clock: TokensClock,
    private readonly events: EventBus,
  ) {
    this.encryption = new KeyEncryption(config.keyEncryptionKey);
  }

  async onModuleInit(): Promise<void> {
    await this.ensureKeys();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn(`key refresh failed: ${String(err)}`),
      );
    }, KEY_REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The public keys to publish: next, active, and retired ones until their tokens have expired. */
  jwks(): PublicJwks {
    const now = this.clock.now();
    const keys = [...this.keys.values()]
      .filter((k) => k.doc.status !== 'retired' || (k.doc.delete_after?.getTime() ?? 0) > now)
      .sort((a, b) => b.doc.generation - a.doc.generation)
      .map((k) => ({ ...k.doc.public_jwk }));
    return { keys };
  }

  /** Fresh from the database, newest first. */
  async list(): Promise<SigningKeyView[]> {
    const docs = await this.repository.findAll();
    return docs.reverse().map(toView);
  }

  /**
   * The server cannot issue or verify with an EdDSA active key: it refuses to start and says how
   * to get out. Not checked in onModuleInit, so that the CLI, which shares this service, can still
   * run the rotation that fixes it.
   */
  assertActiveKeySupported(): void {
    const bad = this.unsupportedActive;
    if (!bad) return;
    throw new Error(
      `the active signing key ${bad.kid} uses ${bad.alg}, which is no longer supported: ` +
        `rotate it with "npm run cli -- keys rotate" (with SIGNING_ALG set to one of ` +
        `${KEY_STORE_ALGS.join(', ')}); tokens it signed are no longer accepted`,
    );
  }

  /** The key new tokens are signed with. */
  async activeKey(): Promise<SigningMaterial> {
    if (!this.signing) await this.refresh();
    if (!this.signing) throw new Error('no active signing key');
    return this.signing;
  }

  /** Cached; an unknown kid reloads the keys once (rate-limited) before giving up. */
  async verificationKey(kid: string): Promise<VerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) return known;
    if (this.clock.now() - this.lastRefreshAt >= MISS_REFRESH_MIN_INTERVAL_MS) await this.refresh();
    return this.keys.get(kid);
  }

  /**
   * Promote next → active, retire the old active key, publish a new next key. `cause` says who
   * asked (an operator, the schedule) in the audit trail.
   */
  async rotate(cause = 'rotation'): Promise<SigningKeyView[]> {
    const docs = await this.repository.findAll();
    const maxGeneration = docs.reduce((max, d) => Math.max(max, d.generation), 0);
    // A next key that could never sign (EdDSA from an older store) is dropped, never promoted:
    // the new next key is then activated at once.
    const unusable = docs.filter((d) => d.status === 'next' && !isKeyStoreAlg(d.alg));
    if (unusable.length > 0) {
      await this.repository.deleteNext(unusable.map((d) => d.kid));
      for (const d of unusable) {
        this.events.emit('signing_key.retired', {
          kid: d.kid,
          reason: `${d.alg} is no longer supported; removed before it signed anything`,
        });
      }
    }
    const next = docs.find((d) => d.status === 'next' && isKeyStoreAlg(d.alg));
    // Claiming the next generation first makes concurrent rotations collide on the unique index:
    // only the instance that created the new next key promotes; the others just reload.
    const created = await this.createKey('next', maxGeneration + 1, cause);
    if (created) {
      const toActivate = next ?? created;
      await this.activate(toActivate, cause);
      if (!next) await this.createKey('next', maxGeneration + 2, cause);
    }
    await this.refresh();
    return this.list();
  }

  /** Reloads from the database and removes keys whose tokens have all expired. Shared by all callers. */
  refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const now = this.clock.date();
    const removed = await this.repository.deleteRetiredBefore(now);
    if (removed > 0) this.logger.log(`removed ${removed} retired signing key(s)`);
    const docs = await this.repository.findAll();
    const next = new Map<string, LoadedKey>();
    for (const doc of docs) {
      const previous = this.keys.get(doc.kid);
      const publicKey = previous?.publicKey ?? importPublicJwk(doc.public_jwk);
      next.set(doc.kid, {
        kid: doc.kid,
        alg: doc.alg,
        publicKey,
        doc,
        privateKey: previous?.privateKey,
      });
    }
    const active = [...next.values()]
      .filter((k) => k.doc.status === 'active')
      .sort((a, b) => b.doc.generation - a.doc.generation)[0];
    this.signing = undefined;
    this.unsupportedActive = undefined;
    if (active && isKeyStoreAlg(active.alg)) {
      active.privateKey ??= this.decrypt(active.doc);
      this.signing = { kid: active.kid, alg: active.alg, privateKey: active.privateKey };
    } else if (active) {
      this.unsupportedActive = { kid: active.kid, alg: active.alg };
    }
    this.keys = next;
    this.lastRefreshAt = this.clock.now();
  }

  /** First start (or a database left mid-rotation): make sure there is an active and a next key. */
  private async ensureKeys(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const docs = await this.repository.findAll();
      const maxGeneration = docs.reduce((max, d) => Math.max(max, d.generation), 0);
      const active = docs.some((d) => d.status === 'active');
      const next = docs.find((d) => d.status === 'next');
      if (active && next) break;
      if (!active && next) await this.activate(next);
      else if (!active) await this.createKey('active', maxGeneration + 1);
      else await this.createKey('next', maxGeneration + 1);
    }
    await this.refresh();
    if (!this.signing && !this.unsupportedActive)
      throw new Error('could not establish an active signing key');
  }

  private async createKey(
    status: 'next' | 'active',
    generation: number,
    cause?: string,
  ): Promise<SigningKey | undefined> {
    const alg = this.config.signingAlg;
    const generated = await generateSigningKey(alg);
    const now = this.clock.date();
    const doc: SigningKey = {
      kid: generated.kid,
      generation,
      alg,
      status,
      public_jwk: generated.publicJwk,
      private_key: this.encryption.encrypt(exportPrivateKey(generated.privateKey), generated.kid),
      created_at: now,
      activated_at: status === 'active' ? now : null,
      retired_at: null,
      delete_after: null,
    };
    if (!(await this.repository.insertUnlessGenerationTaken(doc))) return undefined;
    this.events.emit('signing_key.created', {
      kid: doc.kid,
      reason: `${alg} key created as ${status}${cause ? ` (${cause})` : ''}`,
    });
    if (status === 'active')
      this.events.emit('signing_key.activated', { kid: doc.kid, reason: 'first key' });
    return doc;
  }

  private async activate(key: SigningKey, cause = 'rotation'): Promise<void> {
    const now = this.clock.date();
    if (await this.repository.promoteToActive(key.kid, now)) {
      this.events.emit('signing_key.activated', { kid: key.kid, reason: cause });
    }
    const deleteAfter = new Date(
      now.getTime() + (MAX_ACCESS_TOKEN_TTL_SECONDS + CLOCK_LEEWAY_SECONDS) * 1000,
    );
    const retired = await this.repository.retireActiveOlderThan(key.generation, now, deleteAfter);
    for (const kid of retired) {
      const reason = `superseded by ${key.kid}${cause === 'rotation' ? '' : ` (${cause})`}`;
      this.events.emit('signing_key.retired', { kid, reason });
    }
  }

  private decrypt(doc: SigningKey): KeyObject {
    try {
      return importPrivateKey(this.encryption.decrypt(doc.private_key, doc.kid));
    } catch (err) {
      throw new Error(
        `cannot decrypt signing key ${doc.kid} (was KEY_ENCRYPTION_KEY changed?): ${(err as Error).message}`,
      );
    }
  }
}

const toView = (doc: SigningKey): SigningKeyView => ({
  kid: doc.kid,
  alg: doc.alg,
  status: doc.status,
  created_at: doc.created_at,
  activated_at: doc.activated_at ?? null,
  retired_at: doc.retired_at ?? null,
  delete_after: doc.delete_after ?? null,
});
