import { promises as fsp } from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { fsyncDir, snapshotFile } from './generations';
import type { JournalRecord } from './persistence.types';
import { encodeRecord, encodeTrailer } from './record-codec';

const SNAPSHOT_CHUNK = 1024 * 1024;
/** Longest stretch of snapshot encoding between two yields to the event loop. */
const SLICE_MS = 4;

/**
 * tmp + fsync + rename + dir fsync: the snapshot name never points at a partial file. The
 * dump is encoded in slices of at most SLICE_MS (or SNAPSHOT_CHUNK bytes), each followed by an
 * awaited write, so requests are served between slices however large the state is.
 */
export async function writeSnapshot(
  dataDir: string,
  gen: number,
  dump: () => Iterable<JournalRecord>,
): Promise<{ records: number; bytes: number }> {
  const final = path.join(dataDir, snapshotFile(gen));
  const tmp = `${final}.tmp`;
  const h = await fsp.open(tmp, 'w');
  let pos = 0;
  let records = 0;
  try {
    const it = dump()[Symbol.iterator]();
    for (let done = false; !done;) {
      const batch: Buffer[] = [];
      let bytes = 0;
      const sliceEnd = performance.now() + SLICE_MS;
      while (bytes < SNAPSHOT_CHUNK) {
        const next = it.next();
        if (next.done === true) {
          done = true;
          break;
        }
        const f = encodeRecord(next.value);
        batch.push(f);
        bytes += f.length;
        records++;
        if ((records & 31) === 0 && performance.now() > sliceEnd) break;
      }
      if (done) {
        const trailer = encodeTrailer(records);
        batch.push(trailer);
        bytes += trailer.length;
      }
      const data = Buffer.concat(batch, bytes);
      for (let off = 0; off < data.length;)
        off += (await h.write(data, off, data.length - off, pos + off)).bytesWritten;
      pos += data.length;
    }
    await h.sync();
  } catch (err) {
    await h.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await h.close();
  await fsp.rename(tmp, final);
  await fsyncDir(dataDir);
  return { records, bytes: pos };
}

/** Bytes held by these files of `dir` (missing ones count 0). */
export async function totalSize(dir: string, names: string[]): Promise<number> {
  const sizes = await Promise.all(
    names.map((n) =>
      fsp.stat(path.join(dir, n)).then(
        (st) => st.size,
        () => 0,
      ),
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
