/**
 * The distinct keys of an index in key order, as a list of sorted chunks (each at most
 * 2 × CHUNK entries): an insert or delete costs a binary search plus a splice inside one chunk,
 * never a move of the whole list, and a key greater than or equal to the last one (timestamps,
 * expiry dates, ObjectIds: this app's keys mostly grow) is appended after one comparison. Range
 * scans walk the chunks from a binary-searched position.
 *
 * Ordering comes from the caller's comparison function (the engine's one key comparison), so the
 * structure knows nothing about BSON.
 */
const CHUNK = 512;

export interface Keyed {
  readonly value: unknown;
}

export type Compare = (a: unknown, b: unknown) => number;

interface Position {
  chunk: number;
  index: number;
}

export class SortedKeys<T extends Keyed> {
  private chunks: T[][] = [];
  private count = 0;

  constructor(private readonly compare: Compare) {}

  get size(): number {
    return this.count;
  }

  insert(entry: T): void {
    this.count++;
    const chunks = this.chunks;
    if (chunks.length === 0) {
      chunks.push([entry]);
      return;
    }
    const last = chunks[chunks.length - 1];
    if (this.compare(last[last.length - 1].value, entry.value) <= 0) {
      if (last.length >= CHUNK) chunks.push([entry]);
      else last.push(entry);
      return;
    }
    const c = this.chunkFor((v) => this.compare(v, entry.value) > 0);
    const chunk = chunks[c];
    chunk.splice(
      lowerBound(chunk, (v) => this.compare(v, entry.value) > 0),
      0,
      entry,
    );
    if (chunk.length > 2 * CHUNK) chunks.splice(c + 1, 0, chunk.splice(CHUNK));
  }

  /** Removes this very entry (found by its value, then by identity among equal values). */
  remove(entry: T): boolean {
    const at = this.seek((v) => this.compare(v, entry.value) >= 0);
    for (let { chunk: c, index: i } = at; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) {
        if (chunk[i] === entry) {
          chunk.splice(i, 1);
          if (chunk.length === 0) this.chunks.splice(c, 1);
          this.count--;
          return true;
        }
        if (this.compare(chunk[i].value, entry.value) !== 0) return false;
      }
    }
    return false;
  }

  /**
   * Entries from the first one for which `atOrAfter(value)` holds, in key order. `atOrAfter`
   * must be monotonic over the order (false, then true). The list must not change while the
   * iteration runs.
   */
  *from(atOrAfter?: (value: unknown) => boolean): Generator<T> {
    const at = atOrAfter ? this.seek(atOrAfter) : { chunk: 0, index: 0 };
    for (let { chunk: c, index: i } = at; c < this.chunks.length; c++, i = 0) {
      const chunk = this.chunks[c];
      for (; i < chunk.length; i++) yield chunk[i];
    }
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  private seek(atOrAfter: (value: unknown) => boolean): Position {
    const c = this.chunkFor(atOrAfter);
    if (c === this.chunks.length) return { chunk: c, index: 0 };
    return { chunk: c, index: lowerBound(this.chunks[c], atOrAfter) };
  }

  /** The first chunk whose last value satisfies the predicate (the last chunk if none does). */
  private chunkFor(atOrAfter: (value: unknown) => boolean): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = chunks[mid];
      if (atOrAfter(chunk[chunk.length - 1].value)) hi = mid;
      else lo = mid + 1;
    }
    return lo === chunks.length ? Math.max(0, chunks.length - 1) : lo;
  }
}

function lowerBound<T extends Keyed>(chunk: T[], atOrAfter: (value: unknown) => boolean): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (atOrAfter(chunk[mid].value)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
