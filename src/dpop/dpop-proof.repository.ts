import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { DpopProofJti } from './schemas/dpop-proof.schema';

const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

@Injectable()
export class DpopProofRepository {
  constructor(@InjectModel(DpopProofJti.name) private readonly model: Model<DpopProofJti>) {}

  /** true the first time a (jkt, jti) pair is seen on any instance; false on a replay. */
  async recordOnce(jkt: string, jti: string, expiresAt: Date): Promise<boolean> {
    try {
      await this.model.insertMany([{ jkt, jti, expires_at: expiresAt }], { lean: true });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }
}
