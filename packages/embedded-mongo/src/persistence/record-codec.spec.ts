import { Binary, Decimal128, Long, ObjectId, serialize } from 'bson';
import {
  decodePayload,
  encodeFrame,
  encodePutFrame,
  encodeRecord,
  FRAME_HEADER,
} from './record-codec';

describe('record codec', () => {
  const doc = {
    _id: new ObjectId(),
    event_type: 'token_issued',
    client_id: 'clïent-é',
    timestamp: new Date(1_700_000_000_000),
    n: Long.fromString('9007199254740993'),
    d: Decimal128.fromString('1.10'),
    bin: new Binary(Buffer.from([1, 2, 3])),
    details: { jti: 'abc', scope: 'read write', aud: ['a', 'b'] },
  };

  it('a put frame built around raw BSON is byte for byte the frame of the serialised record', () => {
    const raw = serialize(doc);
    const viaRaw = encodePutFrame('dbé', 'audit_logs', raw);
    const viaDoc = encodeFrame({ op: 'put', db: 'dbé', coll: 'audit_logs', doc });
    expect(viaRaw.equals(viaDoc)).toBe(true);
    expect(viaRaw.readUInt32LE(0)).toBe(viaRaw.length - FRAME_HEADER);
  });

  it('encodeRecord journals the raw bytes of a put, not a second serialisation of doc', () => {
    const raw = serialize({ _id: 1, kept: 'as sent' });
    // `doc` deliberately differs: the raw bytes are what the journal must hold.
    const frame = encodeRecord({ op: 'put', db: 'a', coll: 'b', doc: { _id: 1 }, raw });
    expect(decodePayload(frame.subarray(FRAME_HEADER))).toEqual({
      op: 'put',
      db: 'a',
      coll: 'b',
      doc: { _id: 1, kept: 'as sent' },
    });
  });

  it('a put without raw bytes is serialised, and carries no raw field', () => {
    const frame = encodeRecord({ op: 'put', db: 'a', coll: 'b', doc: { _id: 2 }, raw: undefined });
    expect(decodePayload(frame.subarray(FRAME_HEADER))).toEqual({
      op: 'put',
      db: 'a',
      coll: 'b',
      doc: { _id: 2 },
    });
  });
});
