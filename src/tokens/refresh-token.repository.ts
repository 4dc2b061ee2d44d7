import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RefreshToken } from './schemas/refresh-token.schema';

export type StoredRefreshToken = RefreshToken;

/**
 * What a claim requires besides the token being live: the refresh is refused before the token is
 * consumed when any of these fails (the caller then explains the miss from the stored document).
 */
export interface ClaimConditions {
  clientId?: string;
  /** The current registration of the client (its document's _id); tokens without one pass. */
  clientRef?: string;
  /** Scopes and resources the request narrows to: the family must carry each of them. */
  scopes?: string[];
  audience?: string[];
  /**
   * The request's DPoP key thumbprint (null: no proof). A bound token matches only its own key;
   * an unbound one matches any request. Undefined: not checked (callers that predate DPoP).
   */
  dpopJkt?: string | null;
}

function conditionFilter(c: ClaimConditions): Record<string, unknown> {
  return {
    ...(c.clientId !== undefined && { client_id: c.clientId }),
    ...(c.clientRef !== undefined && { client_ref: { $in: [c.clientRef, null] } }),
    // $all of an empty list matches nothing, so only non-empty lists become conditions.
    ...(c.scopes && c.scopes.length > 0 && { scopes: { $all: c.scopes } }),
    ...(c.audience && c.audience.length > 0 && { audience: { $all: c.audience } }),
    ...(c.dpopJkt !== undefined && {
      dpop_jkt: { $in: c.dpopJkt === null ? [null] : [c.dpopJkt, null] },
    }),
  };
}

@Injectable()
export class RefreshTokenRepository {
  constructor(@InjectModel(RefreshToken.name) private readonly model: Model<RefreshToken>) {}

  /**
   * The service builds every field, so Mongoose's document hydration and validation are skipped:
   * on the FastAPI service's /token they cost more CPU than the insert itself. (Lean inserts store an
   * undefined field as null; the FastAPI service-compat e2e test checks that none reaches this point.)
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
    conditions: ClaimConditions,
    now: Date,
    grace?: { until: Date; ip: string | null },
  ): Promise<StoredRefreshToken | null> {
    return this.model
      .findOneAndUpdate(
        {
          refresh_token: hash,
          used_at: null,
          revoked_at: null,
          expires_at: { $gt: now },
          ...conditionFilter(conditions),
        },
        // The grace window is decided in the same atomic write as the use itself, so every
        // concurrent retry that sees the token spent also sees whether it may replay.
        {
          $set: {
            used_at: now,
            ...(grace && { grace_until: grace.until, grace_ip: grace.ip }),
          },
        },
        { returnDocument: 'after' },
      )
      .lean<StoredRefreshToken>()
      .exec();
  }

  /**
   * FastAPI-era token stored in plaintext (no family_id): accepted once, and the stored value becomes
   * its hash. `family_id: null` keeps a stored hash, presented as if it were a token, from matching.
   */
  claimLegacyPlaintext(
    token: string,
    hash: string,
    conditions: ClaimConditions,
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
          ...conditionFilter(conditions),
        },
        { $set: { used_at: now, family_id: familyId, refresh_token: hash } },
        { returnDocument: 'after' },
      )
      .lean<StoredRefreshToken>()
      .exec();
  }

  /**
   * The stored document for a presented token, in one read: by its hash, or, for a token the
   * FastAPI service stored in plaintext (no family_id yet), by the token itself. A stored hash presented as if it
   * were a token never matches the second form, because documents holding a hash have a family.
   */
  async findByToken(token: string, hash: string): Promise<StoredRefreshToken | null> {
    const docs = await this.model
      .find({ refresh_token: { $in: [hash, token] } })
      .limit(2)
      .lean<StoredRefreshToken[]>()
      .exec();
    return (
      docs.find((d) => d.refresh_token === hash) ??
      docs.find((d) => d.refresh_token === token && (d.family_id ?? null) === null) ??
      null
    );
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

  /** FastAPI-era tokens have no expiry: give them a full lifetime from now so TTL can remove them. */
  async setMissingExpiry(expiresAt: Date): Promise<number> {
    const res = await this.model
      .updateMany({ expires_at: null }, { $set: { expires_at: expiresAt } })
      .exec();
    return res.modifiedCount;
  }
}
