import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The FastAPI service's `revoked_tokens`. Three kinds of entries:
 * - a revoked access token: `jti`, client_id, expires_at = the token's exp (+ leeway);
 * - a client-wide cutoff: `client_id` + `revoke_before` (every token of the client issued earlier);
 * - FastAPI-era: `token` (the whole JWT) + revoked_at, honoured in HS256 mode only;
 * - a revoked refresh family: `family_key` = the family id.
 * Client-wide cutoffs also carry `family_key` = `client:<client_id>`, so that a rotation in flight
 * finds, in one indexed read, whether its family or its client was revoked meanwhile.
 * Every instance polls entries by `revoked_at`, so that field is indexed.
 */
@Schema({ collection: 'revoked_tokens', versionKey: false, strict: false })
export class RevokedToken {
  @Prop({ type: String, unique: true, sparse: true })
  jti?: string;

  @Prop({ type: String })
  client_id?: string;

  @Prop({ type: Date, required: true, index: true })
  revoked_at: Date;

  @Prop({ type: Date })
  expires_at?: Date;

  /** Milliseconds since the epoch: tokens of client_id issued before it are revoked. */
  @Prop({ type: Number })
  revoke_before?: number;

  @Prop({ type: String })
  reason?: string;

  @Prop({ type: String, index: true, sparse: true })
  family_key?: string;

  /** FastAPI-era only: the whole revoked token. Never written by this service. */
  @Prop({ type: String })
  token?: string;
}

export type RevokedTokenDocument = HydratedDocument<RevokedToken>;
export const RevokedTokenSchema = SchemaFactory.createForClass(RevokedToken);
// TTL: the database removes the document once this date has passed.
RevokedTokenSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
