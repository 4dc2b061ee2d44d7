import { inflateSync } from 'node:zlib';
import { deserialize, serialize, type Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const MAX_MESSAGE_BYTES = 48_000_000;
export const HEADER_BYTES = 16;

const FLAG_CHECKSUM_PRESENT = 1 << 0;
export const FLAG_MORE_TO_COME = 1 << 1;

/** A protocol violation; the connection that sent it is closed. */
export class WireError extends Error {}

export type Request =
  | { op: 'query'; requestId: number; collection: string; command: Document }
  | {
      op: 'msg';
      requestId: number;
      moreToCome: boolean;
      command: Document;
      /**
       * The BSON bytes of each document of a document sequence that makes up a whole array field
       * of the command (insert's `documents`), by field name: a journal can store them as they
       * came instead of serialising the decoded documents again. Slices of the message buffer.
       */
      rawSequences?: Map<string, Buffer[]>;
    };

function cstring(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new WireError('unterminated cstring');
  return [buf.toString('utf8', at, end), end + 1];
}

/** The document at `at`, the offset after it, and its bytes (a slice of `buf`). */
function bsonAt(buf: Buffer, at: number, limit: number): [Document, number, Buffer] {
  if (at + 5 > limit) throw new WireError('truncated BSON document');
  const size = buf.readInt32LE(at);
  if (size < 5 || at + size > limit) throw new WireError(`invalid BSON document size ${size}`);
  const bytes = buf.subarray(at, at + size);
  try {
    return [deserialize(bytes), at + size, bytes];
  } catch (err) {
    throw new WireError(`invalid BSON: ${(err as Error).message}`);
  }
}

function decodeQuery(buf: Buffer, requestId: number): Request {
  let at = HEADER_BYTES + 4;
  const [collection, next] = cstring(buf, at);
  at = next + 8;
  const [command] = bsonAt(buf, at, buf.length);
  return { op: 'query', requestId, collection, command };
}

function decodeMsg(buf: Buffer, requestId: number): Request {
  const flags = buf.readUInt32LE(HEADER_BYTES);
  // Checksum is not verified: TCP already protects the stream and the driver only sends it on request.
  const end = flags & FLAG_CHECKSUM_PRESENT ? buf.length - 4 : buf.length;
  let at = HEADER_BYTES + 4;
  let command: Document | undefined;
  const sequences: [string, Document[], Buffer[]][] = [];
  while (at < end) {
    const kind = buf[at++];
    if (kind === 0) {
      if (command) throw new WireError('OP_MSG with two body sections');
      [command, at] = bsonAt(buf, at, end);
    } else if (kind === 1) {
      if (at + 4 > end) throw new WireError('truncated document sequence');
      const size = buf.readInt32LE(at);
      const stop = at + size;
      if (size < 5 || stop > end) throw new WireError(`invalid document sequence size ${size}`);
      const [name, first] = cstring(buf, at + 4);
      const docs: Document[] = [];
      const raw: Buffer[] = [];
      at = first;
      while (at < stop) {
        const [d, n, bytes] = bsonAt(buf, at, stop);
        docs.push(d);
        raw.push(bytes);
        at = n;
      }
      sequences.push([name, docs, raw]);
    } else {
      throw new WireError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!command) throw new WireError('OP_MSG without body section');
  let rawSequences: Map<string, Buffer[]> | undefined;
  for (const [name, docs, raw] of sequences) {
    const existing = command[name] as unknown;
    if (Array.isArray(existing)) {
      command[name] = [...(existing as Document[]), ...docs];
      rawSequences?.delete(name); // indexes no longer line up with the raw slices
    } else {
      command[name] = docs;
      (rawSequences ??= new Map()).set(name, raw);
    }
  }
  const moreToCome = (flags & FLAG_MORE_TO_COME) !== 0;
  return { op: 'msg', requestId, moreToCome, command, rawSequences };
}

/** Decodes one complete message (header included); throws WireError on anything malformed. */
export function decodeMessage(buf: Buffer): Request {
  if (buf.length < HEADER_BYTES + 4) throw new WireError('message shorter than its header');
  const requestId = buf.readInt32LE(4);
  const opCode = buf.readInt32LE(12);
  switch (opCode) {
    case OP_MSG:
      return decodeMsg(buf, requestId);
    case OP_QUERY:
      return decodeQuery(buf, requestId);
    case OP_COMPRESSED:
      return decodeMessage(decompress(buf));
    default:
      throw new WireError(`unsupported opCode ${opCode}`);
  }
}

function decompress(buf: Buffer): Buffer {
  if (buf.length < HEADER_BYTES + 9) throw new WireError('truncated OP_COMPRESSED');
  const originalOpcode = buf.readInt32LE(HEADER_BYTES);
  const size = buf.readInt32LE(HEADER_BYTES + 4);
  const compressor = buf[HEADER_BYTES + 8];
  if (size < 0 || size > MAX_MESSAGE_BYTES)
    throw new WireError(`invalid uncompressed size ${size}`);
  const payload = buf.subarray(HEADER_BYTES + 9);
  let body: Buffer;
  if (compressor === 0) body = payload;
  else if (compressor === 2) {
    try {
      body = inflateSync(payload, { maxOutputLength: size });
    } catch (err) {
      throw new WireError(`zlib: ${(err as Error).message}`);
    }
  } else throw new WireError(`unsupported compressor ${compressor}`);
  if (body.length !== size) throw new WireError('uncompressed size mismatch');
  if (originalOpcode === OP_COMPRESSED) throw new WireError('nested OP_COMPRESSED');
  const out = Buffer.allocUnsafe(HEADER_BYTES + size);
  buf.copy(out, 0, 0, 12);
  out.writeInt32LE(HEADER_BYTES + size, 0);
  out.writeInt32LE(originalOpcode, 12);
  body.copy(out, HEADER_BYTES);
  return out;
}

let nextRequestId = 1;

function header(length: number, responseTo: number, opCode: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(nextRequestId++ & 0x7fffffff, 4);
  h.writeInt32LE(responseTo, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

export function encodeMsgReply(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = header(HEADER_BYTES + 5 + body.length, responseTo, OP_MSG);
  const tail = Buffer.alloc(5);
  return Buffer.concat([out, tail, body]);
}

export function encodeOpReply(responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = header(HEADER_BYTES + 20 + body.length, responseTo, OP_REPLY);
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(1, 16);
  return Buffer.concat([out, fields, body]);
}
