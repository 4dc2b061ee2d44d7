import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { SigningKey } from './schemas/signing-key.schema';

export const isDuplicateKeyError = (err: unknown): boolean =>
  (err as { code?: unknown })?.code === 11000;

@Injectable()
export class SigningKeyRepository {
  constructor(@InjectModel(SigningKey.name) private readonly model: Model<SigningKey>) {}

  /** A handful of documents at any time: next, active, and retired ones still published. */
  findAll(): Promise<SigningKey[]> {
    return this.model.find({}).sort({ generation: 1 }).lean<SigningKey[]>().exec();
  }

  /** False when another instance already created the key of this generation. */
  async insertUnlessGenerationTaken(key: SigningKey): Promise<boolean> {
    try {
      await this.model.create(key);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** Compare-and-set next → active; false when someone else promoted it first. */
  async promoteToActive(kid: string, at: Date): Promise<boolean> {
    const res = await this.model
      .updateOne({ kid, status: 'next' }, { $set: { status: 'active', activated_at: at } })
      .exec();
    return res.modifiedCount === 1;
  }

  /** Retires every active key older than `generation`; returns their kids. */
  async retireActiveOlderThan(generation: number, at: Date, deleteAfter: Date): Promise<string[]> {
    const older = await this.model
      .find({ status: 'active', generation: { $lt: generation } }, { kid: 1 })
      .lean<Pick<SigningKey, 'kid'>[]>()
      .exec();
    if (older.length === 0) return [];
    const kids = older.map((k) => k.kid);
    await this.model
      .updateMany(
        { kid: { $in: kids }, status: 'active' },
        { $set: { status: 'retired', retired_at: at, delete_after: deleteAfter } },
      )
      .exec();
    return kids;
  }

  /** Next keys never signed anything, so they can go at once (used for unusable algorithms). */
  async deleteNext(kids: string[]): Promise<void> {
    await this.model.deleteMany({ kid: { $in: kids }, status: 'next' }).exec();
  }

  /** Retired keys whose every token has expired; the TTL index is only a backstop. */
  async deleteRetiredBefore(now: Date): Promise<number> {
    const res = await this.model
      .deleteMany({ status: 'retired', delete_after: { $lte: now } })
      .exec();
    return res.deletedCount;
  }
}
