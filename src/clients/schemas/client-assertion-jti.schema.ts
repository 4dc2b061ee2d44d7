import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * `jti`s of private_key_jwt client assertions already accepted (RFC 7523 §3, item 7): a replay
 * inserts a duplicate and fails on the unique index. Documents expire with their assertion.
 */
@Schema({ collection: 'client_assertion_jtis', versionKey: false })
export class ClientAssertionJti {
  @Prop({ type: String, required: true })
  client_id: string;

  @Prop({ type: String, required: true })
  jti: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export type ClientAssertionJtiDocument = HydratedDocument<ClientAssertionJti>;
export const ClientAssertionJtiSchema = SchemaFactory.createForClass(ClientAssertionJti);
// A jti is unique per issuer, so one client cannot burn another client's jti.
ClientAssertionJtiSchema.index({ client_id: 1, jti: 1 }, { unique: true });
ClientAssertionJtiSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
