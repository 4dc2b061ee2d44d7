import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { JWT_CONFIG_ID, JwtConfig } from './schemas/jwt-config.schema';

@Injectable()
export class RuntimeConfigRepository {
  constructor(@InjectModel(JwtConfig.name) private readonly model: Model<JwtConfig>) {}

  findJwtConfig(): Promise<JwtConfig | null> {
    return this.model.findById(JWT_CONFIG_ID).lean<JwtConfig>().exec();
  }

  /** Upsert that never overwrites an existing document: safe when several instances start at once. */
  async insertJwtConfigIfMissing(values: Omit<JwtConfig, '_id'>): Promise<void> {
    await this.model
      .updateOne({ _id: JWT_CONFIG_ID }, { $setOnInsert: values }, { upsert: true })
      .exec();
  }

  updateJwtConfig(patch: Partial<Omit<JwtConfig, '_id'>>): Promise<JwtConfig | null> {
    return this.model
      .findOneAndUpdate(
        { _id: JWT_CONFIG_ID },
        { $set: patch },
        { returnDocument: 'after', upsert: true },
      )
      .lean<JwtConfig>()
      .exec();
  }
}
