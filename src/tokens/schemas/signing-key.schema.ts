import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

export const SIGNING_KEY_STATUSES = ['next', 'active', 'retired'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];
/** EdDSA only in key stores written before jsonwebtoken signed the tokens; never created now. */
export type KeyAlg = 'ES256' | 'RS256' | 'PS256' | 'EdDSA';

/**
 * One signing key pair, shared by every instance. `generation` is unique and increases with each
 * key: two instances racing to create the same key collide on it, so only one wins.
 */
@Schema({ collection: 'signing_keys', versionKey: false })
export class SigningKey {
  @Prop({ type: String, required: true, unique: true })
  kid: string;

  @Prop({ type: Number, required: true, unique: true })
  generation: number;

  @Prop({ type: String, required: true })
  alg: KeyAlg;

  @Prop({ type: String, required: true, enum: SIGNING_KEY_STATUSES, index: true })
  status: SigningKeyStatus;

  /** Public JWK as published (kty, crv/n/e, x/y, kid, alg, use). */
  @Prop({ type: Object, required: true })
  public_jwk: Record<string, unknown>;

  /** PKCS#8 DER, AES-256-GCM encrypted: `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  @Prop({ type: String, required: true })
  private_key: string;

  @Prop({ type: Date, required: true })
  created_at: Date;

  @Prop({ type: Date, default: null })
  activated_at: Date | null;

  @Prop({ type: Date, default: null })
  retired_at: Date | null;

  /** Set on retirement; the key is unpublished and deleted after it (TTL as a backstop). */
  @Prop({ type: Date, default: null })
  delete_after: Date | null;
}

export type SigningKeyDocument = HydratedDocument<SigningKey>;
export const SigningKeySchema = SchemaFactory.createForClass(SigningKey);
// TTL: the database removes the document once this date has passed.
SigningKeySchema.index({ delete_after: 1 }, { expireAfterSeconds: 0 });
