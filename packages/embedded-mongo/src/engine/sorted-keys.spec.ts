import { SortedKeys } from './sorted-keys';
import { compareValues } from './values';

interface Entry {
  value: unknown;
  tag: number;
}

const values = (s: SortedKeys<Entry>): unknown[] => [...s.from()].map((e) => e.value);

/** Deterministic pseudo-random sequence, so a failure replays identically. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('SortedKeys', () => {
  it('keeps random inserts and deletes in order across many chunks, like a sorted array', () => {
    const s = new SortedKeys<Entry>(compareValues);
    const model: Entry[] = [];
    const rnd = lcg(7);
    for (let i = 0; i < 20_000; i++) {
      if (model.length > 0 && rnd() < 0.3) {
        const victim = model.splice(Math.floor(rnd() * model.length), 1)[0];
        expect(s.remove(victim)).toBe(true);
      } else {
        const e = { value: Math.floor(rnd() * 5_000), tag: i };
        s.insert(e);
        model.push(e);
      }
    }
    model.sort((a, b) => compareValues(a.value, b.value));
    expect(s.size).toBe(model.length);
    expect(values(s)).toEqual(model.map((e) => e.value));
  });

  it('appends growing keys (dates) and removes the oldest first, as TTL sweeps do', () => {
    const s = new SortedKeys<Entry>(compareValues);
    const entries = Array.from({ length: 3_000 }, (_, i) => ({
      value: new Date(1e12 + i),
      tag: i,
    }));
    for (const e of entries) s.insert(e);
    for (const e of entries.slice(0, 2_500)) expect(s.remove(e)).toBe(true);
    expect(values(s)).toEqual(entries.slice(2_500).map((e) => e.value));
    expect(s.size).toBe(500);
  });

  it('removes the very entry among equal values, and refuses one it does not hold', () => {
    const s = new SortedKeys<Entry>(compareValues);
    const same = Array.from({ length: 1_500 }, (_, i) => ({ value: 'k', tag: i }));
    for (const e of same) s.insert(e);
    expect(s.remove({ value: 'k', tag: -1 })).toBe(false);
    expect(s.remove(same[1_200])).toBe(true);
    expect([...s.from()].map((e) => e.tag)).toEqual(
      same.filter((_, i) => i !== 1_200).map((e) => e.tag),
    );
    expect(s.remove({ value: 'z', tag: -2 })).toBe(false);
  });

  it('walks from the first value a predicate accepts, across chunks', () => {
    const s = new SortedKeys<Entry>(compareValues);
    for (let i = 2_000; i > 0; i--) s.insert({ value: i, tag: i }); // descending: no fast path
    const from = [...s.from((v) => compareValues(v, 1_500) >= 0)].map((e) => e.value);
    expect(from).toEqual(Array.from({ length: 501 }, (_, i) => 1_500 + i));
    expect([...s.from((v) => compareValues(v, 9_999) >= 0)]).toEqual([]);
    s.clear();
    expect(s.size).toBe(0);
    expect([...s.from()]).toEqual([]);
  });
});
