import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config.service';
import { KeyRotationRepository } from './key-rotation.repository';
import { isRotationDue, rotationLeadMs, type RotationSchedule } from './keys/rotation-schedule';
import { SigningKeyService } from './signing-key.service';
import {
  CLOCK_LEEWAY_SECONDS,
  JWKS_MAX_AGE_SECONDS,
  KEY_ROTATION_CHECK_INTERVAL_MS,
  KEY_ROTATION_LEASE_MS,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from './tokens.constants';
import { TokensClock } from './tokens.clock';

/**
 * Scheduled signing-key rotation (KEY_ROTATION_DAYS). Every instance checks the schedule at
 * start-up and then on a timer; when a rotation is due, the instance that wins the lease on the
 * active key's kid performs it (SigningKeyService.rotate: next → active, active → retired, a new
 * next key published), the others find the lease taken and only see the new keys on their next
 * key refresh. The schedule itself (rotation-schedule.ts) guarantees the next key was published
 * long enough before it signs.
 */
@Injectable()
export class KeyRotationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyRotationService.name);
  /** Names this process in the lease document. */
  private readonly holder = randomUUID();
  private readonly schedule: RotationSchedule;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly keys: SigningKeyService,
    private readonly leases: KeyRotationRepository,
    private readonly clock: TokensClock,
    config: AppConfig,
  ) {
    this.schedule = {
      periodMs: config.keyRotationDays * 86_400_000,
      leadMs: rotationLeadMs(
        JWKS_MAX_AGE_SECONDS,
        MAX_ACCESS_TOKEN_TTL_SECONDS,
        CLOCK_LEEWAY_SECONDS,
      ),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.schedule.periodMs <= 0) return;
    await this.checkQuietly();
    this.timer = setInterval(() => void this.checkQuietly(), KEY_ROTATION_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One check of the schedule; true when this instance performed the rotation. */
  async rotateIfDue(): Promise<boolean> {
    const fromKid = await this.dueActiveKid();
    if (fromKid === undefined) return false;
    const now = this.clock.now();
    if (!(await this.leases.claim(fromKid, this.holder, new Date(now), this.leaseEnd(now))))
      return false;
    try {
      // Under the lease, look again: a holder that died after rotating left the lease unfinished.
      if ((await this.dueActiveKid()) === fromKid) await this.keys.rotate('scheduled rotation');
      await this.leases.finish(fromKid, this.holder);
      return true;
    } catch (err) {
      await this.leases.abandon(fromKid, this.holder, this.clock.date());
      throw err;
    }
  }

  /** The kid of the active key when its replacement is due (fresh from the database). */
  private async dueActiveKid(): Promise<string | undefined> {
    const keys = await this.keys.list();
    const active = keys.find((k) => k.status === 'active');
    const next = keys.find((k) => k.status === 'next');
    return isRotationDue(this.clock.now(), active, next, this.schedule) ? active?.kid : undefined;
  }

  private leaseEnd(now: number): Date {
    return new Date(now + KEY_ROTATION_LEASE_MS);
  }

  private async checkQuietly(): Promise<void> {
    try {
      if (await this.rotateIfDue()) this.logger.log('scheduled signing-key rotation done');
    } catch (err) {
      this.logger.warn(`scheduled key rotation failed: ${String(err)}`);
    }
  }
}
