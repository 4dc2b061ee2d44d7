import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * DPoP proofs already accepted (RFC 9449 §11.1), shared by every instance: a replayed proof
 * inserts a duplicate (jkt, jti) and fails on the unique index. Each entry expires once a proof
 * with its `iat` would be refused as too old anyway.
 */
@Schema({ collection: 'dpop_proof_jtis', versionKey: false })
export class DpopProofJti {
  /** RFC 7638 thumbprint of the proof's key: a jti is unique per key, so no key burns another's. */
  @Prop({ type: String, required: true })
  jkt: string;

  @Prop({ type: String, required: true })
  jti: string;

  @Prop({ type: Date, required: true })
  expires_at: Date;
}

export type DpopProofJtiDocument = HydratedDocument<DpopProofJti>;
export const DpopProofJtiSchema = SchemaFactory.createForClass(DpopProofJti);
DpopProofJtiSchema.index({ jkt: 1, jti: 1 }, { unique: true });
DpopProofJtiSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
