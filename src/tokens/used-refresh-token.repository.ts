import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { UsedRefreshToken } from './schemas/used-refresh-token.schema';

@Injectable()
export class UsedRefreshTokenRepository {
  constructor(
    @InjectModel(UsedRefreshToken.name) private readonly model: Model<UsedRefreshToken>,
  ) {}

  async record(doc: UsedRefreshToken): Promise<void> {
    await this.model.create(doc);
  }

  /** By hash, or by plaintext for what the FastAPI service recorded: one read. */
  findByToken(token: string, hash: string): Promise<UsedRefreshToken | null> {
    return this.model
      .findOne({ refresh_token: { $in: [hash, token] } })
      .lean<UsedRefreshToken>()
      .exec();
  }

  async setMissingExpiry(expiresAt: Date): Promise<number> {
    const res = await this.model
      .updateMany({ expires_at: null }, { $set: { expires_at: expiresAt } })
      .exec();
    return res.modifiedCount;
  }
}
