import { deserialize, serialize, type DeserializeOptions, type Document } from 'bson';
import { crc32 } from './crc32';
import type { JournalRecord } from './persistence.types';

/** [uint32 LE payload length][uint32 LE crc32(payload)][payload = BSON document]. */
export const FRAME_HEADER = 8;
/**
 * Upper bound for a sane payload. BSON documents are capped at 16 MiB by MongoDB; the slack
 * covers the record envelope. Anything larger is a garbage length field, not a real record.
 */
export const MAX_PAYLOAD = 48 * 1024 * 1024;
/** Smallest possible BSON document: int32 size + terminating NUL. */
export const MIN_PAYLOAD = 5;

/**
 * promoteLongs:false keeps int64 values as `Long` so they survive replay with their type;
 * plain JS numbers still come back as numbers (int32/double), which is what a mingo-based
 * engine expects. Engines that hold wrapper types can override via the constructor.
 */
export const DEFAULT_DESERIALIZE: DeserializeOptions = { promoteLongs: false };

/** Internal trailer of a snapshot file; its absence means the snapshot is incomplete. */
export interface SnapshotTrailer {
  op: '$end';
  count: number;
}

const OPS = new Set([
  'put',
  'del',
  'createCollection',
  'collMod',
  'dropCollection',
  'createIndex',
  'dropIndex',
  'dropDatabase',
]);

function frameOf(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, FRAME_HEADER);
  return frame;
}

export function encodeFrame(payloadDoc: Document): Buffer {
  return frameOf(serialize(payloadDoc));
}

/**
 * The frame `encodeFrame({op: 'put', db, coll, doc})` would produce, built around the document's
 * BSON bytes instead of serialising the document again: an insert batch's documents go to the
 * journal exactly as they came off the wire.
 */
export function encodePutFrame(db: string, coll: string, rawDoc: Uint8Array): Buffer {
  const dbLen = Buffer.byteLength(db);
  const collLen = Buffer.byteLength(coll);
  // int32 size | 0x02 "op" "put" | 0x02 "db" db | 0x02 "coll" coll | 0x03 "doc" raw | 0x00
  const head = 4 + (1 + 3 + 4 + 4) + (1 + 3 + 4 + dbLen + 1) + (1 + 5 + 4 + collLen + 1);
  const total = head + (1 + 4) + rawDoc.length + 1;
  const frame = Buffer.allocUnsafe(FRAME_HEADER + total);
  let at = FRAME_HEADER;
  const str = (name: string, value: string, len: number): void => {
    frame[at++] = 0x02;
    at += frame.write(name, at, 'latin1');
    frame[at++] = 0;
    frame.writeInt32LE(len + 1, at);
    at += 4;
    at += frame.write(value, at, 'utf8');
    frame[at++] = 0;
  };
  frame.writeInt32LE(total, at);
  at += 4;
  str('op', 'put', 3);
  str('db', db, dbLen);
  str('coll', coll, collLen);
  frame[at++] = 0x03;
  at += frame.write('doc', at, 'latin1');
  frame[at++] = 0;
  frame.set(rawDoc, at);
  at += rawDoc.length;
  frame[at] = 0;
  const payload = frame.subarray(FRAME_HEADER);
  frame.writeUInt32LE(total, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  return frame;
}

/** `del` ids are wrapped so any BSON value (including a document or null) has one container. */
export function encodeRecord(record: JournalRecord): Buffer {
  if (record.op === 'put' && record.raw !== undefined)
    return encodePutFrame(record.db, record.coll, record.raw);
  if (record.op === 'del') {
    return encodeFrame({ op: 'del', db: record.db, coll: record.coll, id: { v: record.id } });
  }
  const doc: Document = {};
  // Drop undefined optional members instead of letting BSON store them as null.
  for (const [k, v] of Object.entries(record)) if (v !== undefined) doc[k] = v;
  return encodeFrame(doc);
}

export function encodeTrailer(count: number): Buffer {
  const trailer: SnapshotTrailer = { op: '$end', count };
  return encodeFrame(trailer);
}

/** Throws on anything that is not a well-formed record, so the caller treats it as corruption. */
export function decodePayload(
  payload: Uint8Array,
  options: DeserializeOptions = DEFAULT_DESERIALIZE,
): JournalRecord | SnapshotTrailer {
  const doc = deserialize(payload, options);
  const op: unknown = doc.op;
  if (op === '$end') return { op: '$end', count: Number(doc.count) };
  if (typeof op !== 'string' || !OPS.has(op)) throw new Error(`unknown journal op ${String(op)}`);
  if (op === 'del') {
    const wrapper = doc.id as Document | undefined;
    if (wrapper === null || typeof wrapper !== 'object')
      throw new Error('del record without id wrapper');
    return { op: 'del', db: doc.db as string, coll: doc.coll as string, id: wrapper.v };
  }
  return doc as JournalRecord;
}
