import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The FastAPI service's `rate_limits` collection: one document per client, IP and fixed window,
 * `_id: "<client_id>:<ip>:<window start, epoch seconds>"`. `count` is the number of requests the
 * instances have reserved in that window (see QuotaReservationStorage), never more than the limit.
 */
@Schema({ collection: 'rate_limits', versionKey: false })
export class RateLimit {
  @Prop({ type: String })
  _id: string;

  @Prop({ type: Number, required: true })
  count: number;

  /** Start of the window, as in the FastAPI service. */
  @Prop({ type: Date })
  timestamp: Date;

  @Prop({ type: Date })
  expires_at: Date;
}

export type RateLimitDocument = HydratedDocument<RateLimit>;
export const RateLimitSchema = SchemaFactory.createForClass(RateLimit);

// A window is useless once it has ended; the TTL monitor removes it.
RateLimitSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
// Documents the FastAPI service wrote have no expires_at; this purges them (and is a backstop for ours).
RateLimitSchema.index({ timestamp: 1 }, { expireAfterSeconds: 86_400 });
