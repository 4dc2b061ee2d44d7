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

export function encodeFrame(payloadDoc: Document): Buffer {
  const payload = serialize(payloadDoc);
  const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.set(payload, FRAME_HEADER);
  return frame;
}

/** `del` ids are wrapped so any BSON value (including a document or null) has one container. */
export function encodeRecord(record: JournalRecord): Buffer {
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
