import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { InvalidRequestError } from '../common/errors/oauth-errors';
import type { AuditLogEntryDto, AuditLogPageDto } from './dto/audit-log-page.dto';
import type { AuditQueryDto } from './dto/audit-query.dto';
import { AuditRepository, type AuditPosition } from './audit.repository';
import type { AuditLog } from './schemas/audit-log.schema';

const DEFAULT_PAGE_SIZE = 50;

/** Opaque to callers; base64url of the last entry's position so a page never skips or repeats. */
export function encodeCursor(position: AuditPosition): string {
  return Buffer.from(
    JSON.stringify([position.timestamp.getTime(), position.id.toHexString()]),
  ).toString('base64url');
}

export function decodeCursor(cursor: string): AuditPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2) {
      const [time, id] = parsed as unknown[];
      if (
        typeof time === 'number' &&
        Number.isFinite(time) &&
        typeof id === 'string' &&
        Types.ObjectId.isValid(id)
      ) {
        return { timestamp: new Date(time), id: new Types.ObjectId(id) };
      }
    }
  } catch {
    // fall through to the same error as a well-formed but foreign cursor
  }
  throw new InvalidRequestError('cursor is not a cursor this server issued');
}

export function toView(doc: AuditLog): AuditLogEntryDto {
  const timestamp =
    doc.timestamp instanceof Date ? doc.timestamp.toISOString() : String(doc.timestamp);
  return {
    id: String(doc._id),
    event_type: doc.event_type,
    ...(doc.client_id !== undefined && { client_id: doc.client_id }),
    ...(doc.ip !== undefined && { ip: doc.ip }),
    reason: doc.reason ?? '',
    timestamp,
    ...(doc.request_id !== undefined && { request_id: doc.request_id }),
    ...(doc.details !== undefined && { details: doc.details }),
  };
}

@Injectable()
export class AuditQueryService {
  constructor(private readonly repository: AuditRepository) {}

  async search(query: AuditQueryDto): Promise<AuditLogPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const from = query.from !== undefined ? new Date(query.from) : undefined;
    const to = query.to !== undefined ? new Date(query.to) : undefined;
    if (from && to && from > to) throw new InvalidRequestError('from must not be after to');
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    // One extra row tells whether there is a next page without a second query.
    const docs = await this.repository.findPage(
      { clientId: query.client_id, eventType: query.event_type, from, to },
      after,
      limit + 1,
    );
    const page = docs.slice(0, limit);
    const last = page[page.length - 1];
    const hasMore =
      docs.length > limit && last?._id instanceof Types.ObjectId && last.timestamp instanceof Date;
    return {
      items: page.map(toView),
      next_cursor: hasMore ? encodeCursor({ timestamp: last.timestamp, id: last._id }) : null,
    };
  }

  /** For `audit tail`: the latest entries, oldest first like tail(1); `since` for follow mode. */
  async tail(limit = 20, since?: Date): Promise<AuditLogEntryDto[]> {
    const docs = await this.repository.findLatest(Math.min(Math.max(1, limit), 1_000), since);
    return docs.reverse().map(toView);
  }
}
