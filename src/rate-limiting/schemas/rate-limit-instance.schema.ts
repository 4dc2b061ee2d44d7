import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * One heartbeat per running instance (`_id`: host, pid and a random suffix), refreshed every few
 * seconds. The number of unexpired documents is how many instances share each rate limit, so a
 * first reservation can ask for a fair share of the limit (see QuotaReservationStorage).
 */
@Schema({ collection: 'rate_limit_instances', versionKey: false })
export class RateLimitInstance {
  @Prop({ type: String })
  _id: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export type RateLimitInstanceDocument = HydratedDocument<RateLimitInstance>;
export const RateLimitInstanceSchema = SchemaFactory.createForClass(RateLimitInstance);

// An instance that stopped beating (crashed, killed) drops out of the count by expires_at at once;
// the TTL monitor only cleans up after it.
RateLimitInstanceSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
