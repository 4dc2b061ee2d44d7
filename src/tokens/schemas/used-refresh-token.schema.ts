import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The FastAPI service's `used_refresh_tokens` (refresh_token, used_at): a record of each rotation. Holds the
 * hash of the token (FastAPI-era documents: the plaintext) and expires with the token it records.
 */
@Schema({ collection: 'used_refresh_tokens', versionKey: false, strict: false })
export class UsedRefreshToken {
  @Prop({ type: String, required: true, index: true })
  refresh_token: string;

  @Prop({ type: Date, required: true })
  used_at: Date;

  @Prop({ type: String })
  family_id?: string;

  @Prop({ type: String })
  client_id?: string;

  @Prop({ type: Date })
  expires_at?: Date;
}

export type UsedRefreshTokenDocument = HydratedDocument<UsedRefreshToken>;
export const UsedRefreshTokenSchema = SchemaFactory.createForClass(UsedRefreshToken);
// TTL: the database removes the document once this date has passed.
UsedRefreshTokenSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
