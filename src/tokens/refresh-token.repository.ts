import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RefreshToken } from './schemas/refresh-token.schema';

export type StoredRefreshToken = RefreshToken;

@Injectable()
export class RefreshTokenRepository {
  constructor(@InjectModel(RefreshToken.name) private readonly model: Model<RefreshToken>) {}

  /**
   * The service builds every field, so Mongoose's document hydration and validation are skipped:
   * on the seed's /token they cost more CPU than the insert itself. (Lean inserts store an
   * undefined field as null; the seed-compat e2e test checks that none reaches this point.)
   */
  async insert(doc: RefreshToken): Promise<void> {
    await this.model.insertMany([doc], { lean: true });
  }

  /**
   * The compare-and-set at the heart of rotation: of any number of concurrent callers, exactly
   * one gets the document back (the database applies a single-document update atomically).
   */
  claimByHash(
    hash: string,
    clientId: string | undefined,
    now: Date,
  ): Promise<StoredRefreshToken | null> {
    return this.model
      .findOneAndUpdate(
        {
          refresh_token: hash,
          used_at: null,
          revoked_at: null,
          expires_at: { $gt: now },
          ...(clientId !== undefined && { client_id: clientId }),
        },
        { $set: { used_at: now } },
        { returnDocument: 'after' },
      )
      .lean<StoredRefreshToken>()
      .exec();
  }

  /**
   * Seed-era token stored in plaintext (no family_id): accepted once, and the stored value becomes
   * its hash. `family_id: null` keeps a stored hash, presented as if it were a token, from matching.
   */
  claimLegacyPlaintext(
    token: string,
    hash: string,
    clientId: string | undefined,
    now: Date,
    familyId: string,
  ): Promise<StoredRefreshToken | null> {
    return this.model
      .findOneAndUpdate(
        {
          refresh_token: token,
          family_id: null,
          used_at: null,
          revoked_at: null,
          expires_at: { $gt: now },
          ...(clientId !== undefined && { client_id: clientId }),
        },
        { $set: { used_at: now, family_id: familyId, refresh_token: hash } },
        { returnDocument: 'after' },
      )
      .lean<StoredRefreshToken>()
      .exec();
  }

  findByHash(hash: string): Promise<StoredRefreshToken | null> {
    return this.model.findOne({ refresh_token: hash }).lean<StoredRefreshToken>().exec();
  }

  /** A seed-era token, still in plaintext (never consumed since). */
  findLegacyPlaintext(token: string): Promise<StoredRefreshToken | null> {
    return this.model
      .findOne({ refresh_token: token, family_id: null })
      .lean<StoredRefreshToken>()
      .exec();
  }

  /** The access tokens of a family that may still be in use. */
  findLiveAccessTokensOfFamily(
    familyId: string,
    nowSeconds: number,
  ): Promise<StoredRefreshToken[]> {
    return this.model
      .find(
        { family_id: familyId, access_exp: { $gt: nowSeconds } },
        { access_jti: 1, access_exp: 1, client_id: 1 },
      )
      .lean<StoredRefreshToken[]>()
      .exec();
  }

  findLiveAccessTokensOfClient(
    clientId: string,
    nowSeconds: number,
  ): Promise<StoredRefreshToken[]> {
    return this.model
      .find(
        { client_id: clientId, access_exp: { $gt: nowSeconds } },
        { access_jti: 1, access_exp: 1, client_id: 1 },
      )
      .lean<StoredRefreshToken[]>()
      .exec();
  }

  async revokeFamily(familyId: string, now: Date): Promise<number> {
    const res = await this.model
      .updateMany({ family_id: familyId, revoked_at: null }, { $set: { revoked_at: now } })
      .exec();
    return res.modifiedCount;
  }

  async revokeOne(storedValue: string, now: Date): Promise<void> {
    await this.model
      .updateOne({ refresh_token: storedValue, revoked_at: null }, { $set: { revoked_at: now } })
      .exec();
  }

  async revokeAllOfClient(clientId: string, now: Date): Promise<number> {
    const res = await this.model
      .updateMany(
        { client_id: clientId, used_at: null, revoked_at: null },
        { $set: { revoked_at: now } },
      )
      .exec();
    return res.modifiedCount;
  }

  /** Seed-era tokens have no expiry: give them a full lifetime from now so TTL can remove them. */
  async setMissingExpiry(expiresAt: Date): Promise<number> {
    const res = await this.model
      .updateMany({ expires_at: null }, { $set: { expires_at: expiresAt } })
      .exec();
    return res.modifiedCount;
  }
}
