import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The FastAPI service's `tokens` collection (client_id, refresh_token, created_at). `refresh_token` now holds
 * the SHA-256 of the token (hex); FastAPI-era documents still hold the plaintext and no family_id.
 * A consumed token stays (used_at set) until it expires, so reuse is detected atomically.
 */
@Schema({ collection: 'tokens', versionKey: false, strict: false })
export class RefreshToken {
  @Prop({ type: String, required: true, unique: true })
  refresh_token: string;

  @Prop({ type: String, required: true, index: true })
  client_id: string;

  @Prop({ type: Date, required: true })
  created_at: Date;

  @Prop({ type: String, index: true })
  family_id?: string;

  /**
   * The `_id` of the client document the family was issued under. A client deleted and created
   * again under the same client_id is a new registration, and inherits none of these tokens.
   * Tokens issued before this field existed carry none and are accepted on their client_id alone.
   */
  @Prop({ type: String })
  client_ref?: string;

  @Prop({ type: [String] })
  scopes?: string[];

  @Prop({ type: String })
  role?: string;

  @Prop({ type: [String] })
  audience?: string[];

  @Prop({ type: Date })
  expires_at?: Date;

  @Prop({ type: Date, default: null })
  used_at?: Date | null;

  @Prop({ type: Date, default: null })
  revoked_at?: Date | null;

  @Prop({ type: String })
  access_jti?: string;

  /** Seconds since the epoch. */
  @Prop({ type: Number })
  access_exp?: number;

  /**
   * Set with used_at when the client has a grace period: until then, a retry of this token from
   * the IP of its first use gets the same new pair (RefreshGracePair) instead of reuse detection.
   */
  @Prop({ type: Date })
  grace_until?: Date | null;

  @Prop({ type: String })
  grace_ip?: string | null;

  /** RFC 9449: the thumbprint of the DPoP key this token is bound to; absent when unbound. */
  @Prop({ type: String })
  dpop_jkt?: string;
}

export type RefreshTokenDocument = HydratedDocument<RefreshToken>;
export const RefreshTokenSchema = SchemaFactory.createForClass(RefreshToken);
// TTL: the database removes the document once this date has passed.
RefreshTokenSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
