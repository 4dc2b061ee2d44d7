import { crc32 } from './crc32';
import { FRAME_HEADER, MAX_PAYLOAD, MIN_PAYLOAD } from './record-codec';

export type FrameResult =
  { ok: true; payload: Buffer; next: number } | { ok: false; reason: string };

/** Validates framing and checksum of the frame at `offset` without decoding the BSON. */
export function readFrame(buf: Buffer, offset: number): FrameResult {
  const remaining = buf.length - offset;
  if (remaining < FRAME_HEADER) return { ok: false, reason: `short header (${remaining} bytes)` };
  const len = buf.readUInt32LE(offset);
  if (len < MIN_PAYLOAD || len > MAX_PAYLOAD)
    return { ok: false, reason: `implausible length ${len}` };
  if (remaining - FRAME_HEADER < len) {
    return { ok: false, reason: `short payload (${remaining - FRAME_HEADER} of ${len} bytes)` };
  }
  const payload = buf.subarray(offset + FRAME_HEADER, offset + FRAME_HEADER + len);
  if (crc32(payload) !== buf.readUInt32LE(offset + 4)) return { ok: false, reason: 'crc mismatch' };
  return { ok: true, payload, next: offset + FRAME_HEADER + len };
}

/**
 * Looks for any intact frame after `from`, to tell a torn tail (expected after a crash)
 * from damage in the middle of the file (lost acknowledged writes, worth an error).
 * The BSON size prefix must repeat the frame length, which makes the crc check rare.
 */
export function findNextValidFrame(buf: Buffer, from: number): number {
  for (let p = from; p + FRAME_HEADER + MIN_PAYLOAD <= buf.length; p++) {
    const len = buf.readUInt32LE(p);
    if (len < MIN_PAYLOAD || len > MAX_PAYLOAD || p + FRAME_HEADER + len > buf.length) continue;
    if (buf.readUInt32LE(p + FRAME_HEADER) !== len) continue;
    if (readFrame(buf, p).ok) return p;
  }
  return -1;
}
