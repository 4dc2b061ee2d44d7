import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The pair a rotation issued, kept so that a retry of the same refresh within the client's grace
 * period gets it again instead of a second pair. Encrypted at rest (it holds live tokens) and
 * removed by the database when the grace period ends; nothing reads it after that.
 */
@Schema({ collection: 'refresh_grace_pairs', versionKey: false })
export class RefreshGracePair {
  /** SHA-256 of the spent refresh token whose rotation issued the pair. */
  @Prop({ type: String, required: true, unique: true })
  spent_token: string;

  /** AES-256-GCM of the pair as JSON, bound to spent_token. */
  @Prop({ type: String, required: true })
  pair: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export type RefreshGracePairDocument = HydratedDocument<RefreshGracePair>;
export const RefreshGracePairSchema = SchemaFactory.createForClass(RefreshGracePair);
RefreshGracePairSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
