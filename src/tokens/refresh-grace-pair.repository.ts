import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RefreshGracePair } from './schemas/refresh-grace-pair.schema';

@Injectable()
export class RefreshGracePairRepository {
  constructor(
    @InjectModel(RefreshGracePair.name) private readonly model: Model<RefreshGracePair>,
  ) {}

  async insert(doc: RefreshGracePair): Promise<void> {
    await this.model.insertMany([doc], { lean: true });
  }

  /** The live pair of a spent token; one past its window counts as gone even before TTL runs. */
  findLive(spentToken: string, now: Date): Promise<RefreshGracePair | null> {
    return this.model
      .findOne({ spent_token: spentToken, expires_at: { $gt: now } })
      .lean<RefreshGracePair>()
      .exec();
  }

  async delete(spentToken: string): Promise<void> {
    await this.model.deleteOne({ spent_token: spentToken }).exec();
  }
}
