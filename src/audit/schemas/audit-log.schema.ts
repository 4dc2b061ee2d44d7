import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument, Types } from 'mongoose';

/**
 * The FastAPI service's `audit_logs` collection: `event_type, client_id, ip, reason, timestamp`, plus the
 * request id, a redacted `details` object and `expires_at` (retention, TTL). strict:false keeps
 * whatever else the FastAPI service stored in old entries.
 */
@Schema({ collection: 'audit_logs', versionKey: false, strict: false })
export class AuditLog {
  _id: Types.ObjectId;

  @Prop({ type: String, required: true })
  event_type: string;

  @Prop({ type: String })
  client_id?: string;

  @Prop({ type: String })
  ip?: string;

  @Prop({ type: String })
  reason?: string;

  @Prop({ type: Date, required: true })
  timestamp: Date;

  @Prop({ type: String })
  request_id?: string;

  @Prop({ type: Object })
  details?: Record<string, unknown>;

  @Prop({ type: Date })
  expires_at?: Date;
}

export type AuditLogDocument = HydratedDocument<AuditLog>;
export const AuditLogSchema = SchemaFactory.createForClass(AuditLog);

// Newest first, with _id as the tie-breaker the pagination cursor relies on.
AuditLogSchema.index({ timestamp: -1, _id: -1 });
AuditLogSchema.index({ client_id: 1, timestamp: -1 });
AuditLogSchema.index({ event_type: 1, timestamp: -1 });
// Retention is stamped on each entry, so changing AUDIT_RETENTION_DAYS needs no index rebuild.
AuditLogSchema.index({ expires_at: 1 }, { expireAfterSeconds: 0 });
