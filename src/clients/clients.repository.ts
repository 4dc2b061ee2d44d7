import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { Client, type ClientSecret } from './schemas/client.schema';

export const isDuplicateKeyError = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;

/** Settable client fields; `secrets`, `client_secret` and `revision` have their own methods. */
export type ClientSettings = Partial<
  Pick<
    Client,
    | 'name'
    | 'scopes'
    | 'role'
    | 'audiences'
    | 'grant_types'
    | 'token_endpoint_auth_method'
    | 'jwks'
    | 'federated_credentials'
    | 'token_exchange'
    | 'refresh_tokens'
    | 'dpop_bound_access_tokens'
    | 'dpop_nonce_required'
    | 'access_token_ttl_seconds'
    | 'refresh_grace_seconds'
    | 'disabled'
  >
>;

/**
 * The only code that touches the `clients` model. Every filter is built here from typed
 * arguments, so request values never become query operators.
 */
@Injectable()
export class ClientsRepository {
  constructor(@InjectModel(Client.name) private readonly model: Model<Client>) {}

  /** false when the client_id is taken (unique index). */
  async insert(doc: Client): Promise<boolean> {
    try {
      await this.model.create(doc);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  findByClientId(clientId: string): Promise<Client | null> {
    return this.model.findOne({ client_id: clientId }).lean<Client>().exec();
  }

  /** Clients trusting this issuer (the `federated_credentials.issuer` index); bounded. */
  findByFederatedIssuer(issuer: string, limit: number): Promise<Client[]> {
    return this.model
      .find({ 'federated_credentials.issuer': issuer })
      .limit(limit)
      .lean<Client[]>()
      .exec();
  }

  async hasAny(): Promise<boolean> {
    return (await this.model.findOne({}, { _id: 1 }).lean().exec()) !== null;
  }

  /** Keyset pagination in client_id order (the unique index), stable under inserts and deletes. */
  listAfter(afterClientId: string | undefined, limit: number): Promise<Client[]> {
    const filter = afterClientId === undefined ? {} : { client_id: { $gt: afterClientId } };
    return this.model.find(filter).sort({ client_id: 1 }).limit(limit).lean<Client[]>().exec();
  }

  updateSettings(
    clientId: string,
    set: ClientSettings,
    unset: (keyof ClientSettings)[] = [],
  ): Promise<Client | null> {
    return this.model
      .findOneAndUpdate(
        { client_id: clientId },
        {
          $set: { ...set, updated_at: new Date() },
          ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((k) => [k, ''])) }),
        },
        { returnDocument: 'after' },
      )
      .lean<Client>()
      .exec();
  }

  async deleteByClientId(clientId: string): Promise<boolean> {
    const result = await this.model.deleteOne({ client_id: clientId }).exec();
    return result.deletedCount === 1;
  }

  /**
   * Rewrites the secrets array only if nobody changed it since it was read (optimistic
   * concurrency on `revision`); null on conflict or when the client is gone.
   */
  replaceSecretsIfUnchanged(
    clientId: string,
    revision: number | undefined,
    secrets: ClientSecret[],
    dropLegacySecret = false,
  ): Promise<Client | null> {
    return this.model
      .findOneAndUpdate(
        { client_id: clientId, revision: revision ?? null },
        {
          $set: { secrets, updated_at: new Date() },
          $inc: { revision: 1 },
          ...(dropLegacySecret && { $unset: { client_secret: '' } }),
        },
        { returnDocument: 'after' },
      )
      .lean<Client>()
      .exec();
  }

  /**
   * The FastAPI service's plaintext secret becomes a hashed one, atomically and only if the plaintext is
   * still the one that was verified: of several concurrent first uses exactly one migrates.
   */
  async migrateLegacySecret(
    clientId: string,
    plaintext: string,
    secret: ClientSecret,
  ): Promise<boolean> {
    const result = await this.model
      .updateOne(
        { client_id: clientId, client_secret: plaintext },
        {
          $push: { secrets: secret },
          $unset: { client_secret: '' },
          $set: { updated_at: new Date() },
          $inc: { revision: 1 },
        },
      )
      .exec();
    return result.modifiedCount === 1;
  }

  /** Metadata only: deliberately does not bump `revision` (a rotation may overwrite it, harmlessly). */
  async touchSecret(clientId: string, secretId: string, at: Date): Promise<void> {
    await this.model
      .updateOne(
        { client_id: clientId, 'secrets.id': secretId },
        { $set: { 'secrets.$.last_used_at': at } },
      )
      .exec();
  }
}
