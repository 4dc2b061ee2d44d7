import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RevokedToken } from './schemas/revoked-token.schema';

export type RevocationEntry = Pick<
  RevokedToken,
  'jti' | 'client_id' | 'revoked_at' | 'expires_at' | 'revoke_before' | 'token'
>;

const ENTRY_FIELDS = {
  jti: 1,
  client_id: 1,
  revoked_at: 1,
  expires_at: 1,
  revoke_before: 1,
  token: 1,
};

/** A client's cutoffs share the family_key index with family markers (family ids are UUIDs). */
export const clientFamilyKey = (clientId: string): string => `client:${clientId}`;

@Injectable()
export class RevocationRepository {
  constructor(@InjectModel(RevokedToken.name) private readonly model: Model<RevokedToken>) {}

  /** Idempotent: revoking a jti twice keeps the first entry. */
  async revokeJti(entry: {
    jti: string;
    client_id: string;
    revoked_at: Date;
    expires_at: Date;
    reason: string;
  }): Promise<void> {
    await this.model
      .updateOne({ jti: entry.jti }, { $setOnInsert: entry }, { upsert: true })
      .exec();
  }

  async addClientCutoff(entry: {
    client_id: string;
    revoke_before: number;
    revoked_at: Date;
    expires_at: Date;
    reason: string;
  }): Promise<void> {
    await this.model.create({ ...entry, family_key: clientFamilyKey(entry.client_id) });
  }

  /** Written before the family's tokens are swept, so that a rotation in flight sees it. */
  async markFamilyRevoked(entry: {
    family_id: string;
    client_id: string;
    revoked_at: Date;
    expires_at: Date;
    reason: string;
  }): Promise<void> {
    const { family_id, ...rest } = entry;
    await this.model
      .updateOne(
        { family_key: family_id },
        { $setOnInsert: { family_key: family_id, ...rest } },
        { upsert: true },
      )
      .exec();
  }

  /** The family's own marker and its client's cutoffs: one read on the family_key index. */
  findFamilyRevocations(
    familyId: string,
    clientId: string,
  ): Promise<Pick<RevokedToken, 'family_key' | 'revoke_before'>[]> {
    return this.model
      .find(
        { family_key: { $in: [familyId, clientFamilyKey(clientId)] } },
        { _id: 0, family_key: 1, revoke_before: 1 },
      )
      .lean<Pick<RevokedToken, 'family_key' | 'revoke_before'>[]>()
      .exec();
  }

  /** Everything still stored (the TTL keeps it to unexpired entries), read once at start. */
  findAll(): Promise<RevocationEntry[]> {
    return this.model.find({}, ENTRY_FIELDS).lean<RevocationEntry[]>().exec();
  }

  /** Entries recorded at or after `since`: the incremental poll. */
  findRecordedSince(since: Date): Promise<RevocationEntry[]> {
    return this.model
      .find({ revoked_at: { $gte: since } }, ENTRY_FIELDS)
      .lean<RevocationEntry[]>()
      .exec();
  }

  /** FastAPI-era entries carry no expires_at; give them one so the TTL index eventually removes them. */
  async setMissingExpiry(expiresAt: Date): Promise<number> {
    const res = await this.model
      .updateMany({ expires_at: null }, { $set: { expires_at: expiresAt } })
      .exec();
    return res.modifiedCount;
  }
}
