import { Types } from 'mongoose';
import { InvalidRequestError } from '../common/errors/oauth-errors';
import { AuditQueryService, decodeCursor, encodeCursor } from './audit-query.service';
import type { AuditRepository } from './audit.repository';
import type { AuditLog } from './schemas/audit-log.schema';

const doc = (i: number): AuditLog => ({
  _id: new Types.ObjectId(),
  event_type: 'login_success',
  client_id: 'c',
  reason: `r${i}`,
  timestamp: new Date(1_000 * i),
});

describe('audit cursors', () => {
  it('round-trips a position', () => {
    const position = { timestamp: new Date(123_456), id: new Types.ObjectId() };
    const decoded = decodeCursor(encodeCursor(position));
    expect(decoded.timestamp).toEqual(position.timestamp);
    expect(decoded.id.equals(position.id)).toBe(true);
  });

  it.each([
    'garbage',
    Buffer.from('[1,"zz"]').toString('base64url'),
    Buffer.from('{"$gt":1}').toString('base64url'),
  ])('rejects a foreign cursor %s with invalid_request', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(InvalidRequestError);
  });
});

describe('AuditQueryService', () => {
  it('returns a page and a cursor only when more entries exist', async () => {
    const docs = [doc(3), doc(2), doc(1)];
    const findPage = jest.fn((_f: unknown, _a: unknown, limit: number) =>
      Promise.resolve(docs.slice(0, limit)),
    );
    const service = new AuditQueryService({ findPage } as unknown as AuditRepository);

    const first = await service.search({ limit: 2, client_id: 'c', event_type: 'login_success' });
    expect(first.items.map((i) => i.reason)).toEqual(['r3', 'r2']);
    expect(first.next_cursor).not.toBeNull();
    expect(findPage).toHaveBeenCalledWith(
      { clientId: 'c', eventType: 'login_success', from: undefined, to: undefined },
      undefined,
      3,
    );
    expect(decodeCursor(first.next_cursor!).timestamp).toEqual(new Date(2_000));

    const all = await service.search({ limit: 5 });
    expect(all.next_cursor).toBeNull();
  });

  it('refuses an inverted time range', async () => {
    const service = new AuditQueryService({} as AuditRepository);
    await expect(
      service.search({ from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' }),
    ).rejects.toThrow(InvalidRequestError);
  });

  it('tails oldest first', async () => {
    const findLatest = jest.fn(() => Promise.resolve([doc(3), doc(2)]));
    const service = new AuditQueryService({ findLatest } as unknown as AuditRepository);
    expect((await service.tail(2)).map((e) => e.reason)).toEqual(['r2', 'r3']);
  });
});
