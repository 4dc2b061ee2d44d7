import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

export const JWT_CONFIG_ID = 'jwt_config';

/**
 * The FastAPI service's `config` collection: one document `_id: "jwt_config"` with UPPER_CASE fields,
 * inserted by hand in the FastAPI service's README. Fields we add follow the same style.
 * strict:false keeps whatever else an operator stored there.
 */
@Schema({ collection: 'config', strict: false, versionKey: false })
export class JwtConfig {
  @Prop({ type: String })
  _id: string;

  @Prop({ type: String })
  SECRET_KEY?: string;

  @Prop({ type: String })
  ALGORITHM?: string;

  @Prop({ type: Number })
  ACCESS_TOKEN_EXPIRE_MINUTES?: number;

  @Prop({ type: Number })
  MAX_REQUESTS_PER_MINUTE?: number;

  @Prop({ type: Number })
  REFRESH_TOKEN_EXPIRE_DAYS?: number;

  @Prop({ type: Date })
  UPDATED_AT?: Date;
}

export type JwtConfigDocument = HydratedDocument<JwtConfig>;
export const JwtConfigSchema = SchemaFactory.createForClass(JwtConfig);
