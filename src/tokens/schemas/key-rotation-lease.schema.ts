import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

export const KEY_ROTATION_LEASE_ID = 'signing_keys';

/**
 * Decides which instance performs a scheduled rotation: one document, claimed by compare-and-set
 * for the active key being replaced (`from_kid`). A claim for a kid already claimed fails, so each
 * period rotates once. A holder that dies mid-rotation leaves `rotating` with a lease that runs
 * out, and another instance takes over.
 */
@Schema({ collection: 'key_rotation_leases', versionKey: false })
export class KeyRotationLease {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, default: null })
  from_kid: string | null;

  @Prop({ type: String, required: true, enum: ['rotating', 'done'] })
  state: 'rotating' | 'done';

  /** The instance (a random id per process) that holds or held the claim. */
  @Prop({ type: String, default: null })
  holder: string | null;

  @Prop({ type: Date, required: true })
  lease_until: Date;
}

export type KeyRotationLeaseDocument = HydratedDocument<KeyRotationLease>;
export const KeyRotationLeaseSchema = SchemaFactory.createForClass(KeyRotationLease);
