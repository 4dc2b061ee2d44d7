import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Types, type Model, type QueryFilter } from 'mongoose';
import type { AuditEntry } from './audit-event-map';
import { AuditLog } from './schemas/audit-log.schema';

export interface AuditFilter {
  clientId?: string;
  eventType?: string;
  from?: Date;
  to?: Date;
}

/** A position in the (timestamp desc, _id desc) order: the page starts after it. */
export interface AuditPosition {
  timestamp: Date;
  id: Types.ObjectId;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectModel(AuditLog.name) private readonly model: Model<AuditLog>) {}

  /**
   * Unordered bulk insert straight through the model's driver collection: entries are built by
   * code with their final types, so Mongoose's per-document casting, validation and bookkeeping
   * would only cost CPU (even `lean` insertMany walks every document). The driver serialises
   * each entry once; one bad entry must not block the rest.
   */
  async insertBatch(entries: AuditEntry[]): Promise<void> {
    await this.model.collection.insertMany(entries, { ordered: false });
  }

  /** Newest first; `after` continues a previous page. Values are typed by the DTO before this. */
  findPage(
    filter: AuditFilter,
    after: AuditPosition | undefined,
    limit: number,
  ): Promise<AuditLog[]> {
    const and: QueryFilter<AuditLog>[] = [];
    if (filter.clientId !== undefined) and.push({ client_id: String(filter.clientId) });
    if (filter.eventType !== undefined) and.push({ event_type: String(filter.eventType) });
    if (filter.from) and.push({ timestamp: { $gte: filter.from } });
    if (filter.to) and.push({ timestamp: { $lte: filter.to } });
    if (after) {
      and.push({
        $or: [
          { timestamp: { $lt: after.timestamp } },
          { timestamp: after.timestamp, _id: { $lt: after.id } },
        ],
      });
    }
    return this.model
      .find(and.length > 0 ? { $and: and } : {})
      .sort({ timestamp: -1, _id: -1 })
      .limit(limit)
      .lean<AuditLog[]>()
      .exec();
  }

  /** The latest `limit` entries (newer than `since` when given), newest first. */
  findLatest(limit: number, since?: Date): Promise<AuditLog[]> {
    return this.model
      .find(since ? { timestamp: { $gt: since } } : {})
      .sort({ timestamp: -1, _id: -1 })
      .limit(limit)
      .lean<AuditLog[]>()
      .exec();
  }
}
