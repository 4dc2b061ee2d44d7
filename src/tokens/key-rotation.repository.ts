import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { KEY_ROTATION_LEASE_ID, KeyRotationLease } from './schemas/key-rotation-lease.schema';
import { isDuplicateKeyError } from './signing-key.repository';

@Injectable()
export class KeyRotationRepository {
  constructor(
    @InjectModel(KeyRotationLease.name) private readonly model: Model<KeyRotationLease>,
  ) {}

  /**
   * Compare-and-set: true for exactly one caller per `fromKid`, whatever the number of instances
   * (a single-document update is atomic); again true for a later caller only once a holder's
   * lease ran out with the rotation unfinished.
   */
  async claim(fromKid: string, holder: string, now: Date, leaseUntil: Date): Promise<boolean> {
    await this.ensureDocument(now);
    const claimed = await this.model
      .findOneAndUpdate(
        {
          _id: KEY_ROTATION_LEASE_ID,
          $or: [{ from_kid: { $ne: fromKid } }, { state: 'rotating', lease_until: { $lte: now } }],
        },
        { $set: { from_kid: fromKid, state: 'rotating', holder, lease_until: leaseUntil } },
        { returnDocument: 'after' },
      )
      .lean<KeyRotationLease>()
      .exec();
    return claimed !== null && claimed.holder === holder;
  }

  /** The rotation of `fromKid` happened: no one claims that kid again. */
  async finish(fromKid: string, holder: string): Promise<void> {
    await this.model
      .updateOne(
        { _id: KEY_ROTATION_LEASE_ID, from_kid: fromKid, holder },
        { $set: { state: 'done' } },
      )
      .exec();
  }

  /** The rotation failed: end the lease now, so the next check (here or elsewhere) retries. */
  async abandon(fromKid: string, holder: string, now: Date): Promise<void> {
    await this.model
      .updateOne(
        { _id: KEY_ROTATION_LEASE_ID, from_kid: fromKid, holder, state: 'rotating' },
        { $set: { lease_until: now } },
      )
      .exec();
  }

  private async ensureDocument(now: Date): Promise<void> {
    try {
      await this.model.create({
        _id: KEY_ROTATION_LEASE_ID,
        from_kid: null,
        state: 'done',
        holder: null,
        lease_until: now,
      });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }
}
