import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  rmdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'fs';
import * as path from 'path';
import { journalFile, snapshotFile } from './generations';
import { JournalPersistence } from './journal-persistence';
import type { JournalRecord } from './persistence.types';
import { capturingLogger, makeTmpDir, put, StateModel } from './__fixtures__/test-utils';

describe('JournalPersistence compaction', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  beforeEach(() => (tmp = makeTmpDir()));
  afterEach(() => tmp.cleanup());

  async function open(model = new StateModel()) {
    const log = capturingLogger();
    const p = new JournalPersistence(tmp.dir, { logger: log });
    await p.load(model.apply);
    return { p, model, log };
  }

  /** Engine contract: apply to memory first, then journal. */
  function write(p: JournalPersistence, model: StateModel, rec: JournalRecord): Promise<void> {
    model.apply(rec);
    return p.append([rec]);
  }

  const del = (n: number): JournalRecord => ({ op: 'del', db: 'app', coll: 'items', id: n });
  const files = (): string[] => readdirSync(tmp.dir).sort();

  it('keeps every record appended while compactions run', async () => {
    const { p, model } = await open();
    let stop = false;
    let seq = 0;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const n = seq++;
        await write(p, model, n % 7 === 3 ? del(n - 1) : put(n % 300, { v: n }));
      }
    };
    const writers = Array.from({ length: 16 }, writer);
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 30));
      await p.compact(() => model.dump());
    }
    stop = true;
    await Promise.all(writers);
    await p.close();
    expect(p.generation).toBe(5);
    expect(files()).toEqual([journalFile(5), snapshotFile(5)]);
    expect(statSync(path.join(tmp.dir, journalFile(5))).size).toBeGreaterThan(0);

    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.log.warnings).toEqual([]);
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
    expect(seq).toBeGreaterThan(100);
  });

  it('cuts at the compact() call: appends issued right after it are kept', async () => {
    const { p, model } = await open();
    await write(p, model, put(1));
    const prepared = [...model.dump()]; // what an engine snapshots just before calling compact
    const compaction = p.compact(() => prepared);
    // Issued while the new journal is still being opened: must not go to the old journal.
    const late = Array.from({ length: 20 }, (_, i) => write(p, model, put(100 + i)));
    await Promise.all([compaction, ...late]);
    await p.close();
    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
  });

  it('if the new journal cannot be created, compaction fails and appends stay in the old one', async () => {
    const { p, model } = await open();
    await write(p, model, put(1));
    const blocker = path.join(tmp.dir, journalFile(1));
    mkdirSync(blocker); // open() of a directory fails
    const compaction = p.compact(() => model.dump());
    const late = write(p, model, put(2));
    await expect(compaction).rejects.toThrow();
    await late;
    await write(p, model, put(3));
    expect(p.generation).toBe(0);
    await p.close();
    rmdirSync(blocker);
    expect(files()).toEqual([journalFile(0)]);
    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
  });

  it('concurrent compact() calls share one run', async () => {
    const { p, model } = await open();
    await write(p, model, put(1));
    const a = p.compact(() => model.dump());
    const b = p.compact(() => model.dump());
    expect(a).toBe(b);
    await a;
    await p.close();
    expect(files()).toEqual([journalFile(1), snapshotFile(1)]);
  });

  it('a failing dump leaves the old generation authoritative and appends keep working', async () => {
    const { p, model } = await open();
    await write(p, model, put(1));
    await expect(
      p.compact(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await write(p, model, put(2));
    await p.close();
    expect(files()).toEqual([journalFile(0), journalFile(1)]);
    const reloaded = await open();
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
    await reloaded.p.compact(() => reloaded.model.dump());
    await reloaded.p.close();
    expect(files()).toEqual([journalFile(2), snapshotFile(2)]);
  });

  it('crash before the snapshot rename: a partial *.tmp is ignored and removed', async () => {
    const { p, model } = await open();
    await write(p, model, put(1));
    await p.close();
    // State as left by a crash after the new journal started but mid snapshot write.
    writeFileSync(path.join(tmp.dir, `${snapshotFile(1)}.tmp`), Buffer.from('half a snapsh'));
    writeFileSync(path.join(tmp.dir, journalFile(1)), Buffer.alloc(0));
    const second = await open();
    await write(second.p, second.model, put(2));
    await second.p.close();
    const third = await open();
    await third.p.close();
    expect(third.model.snapshot()).toBe(second.model.snapshot());
    expect(third.model.get('app.items', 2)).toBeDefined();
    expect(files()).toEqual([journalFile(0), journalFile(1)]);
  });

  it('crash after the rename but before cleanup: the superseded generation is not replayed', async () => {
    const { p, model } = await open();
    for (let i = 0; i < 5; i++) await write(p, model, put(i));
    copyFileSync(path.join(tmp.dir, journalFile(0)), path.join(tmp.dir, 'saved-journal'));
    await p.compact(() => model.dump());
    await write(p, model, del(3));
    await p.close();
    copyFileSync(path.join(tmp.dir, 'saved-journal'), path.join(tmp.dir, journalFile(0)));

    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.model.get('app.items', 3)).toBeUndefined(); // journal-0 would resurrect it
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
    expect(files()).toEqual([journalFile(1), 'saved-journal', snapshotFile(1)].sort());
  });

  it('a damaged newest snapshot falls back to the older generation when it still exists', async () => {
    const { p, model } = await open();
    for (let i = 0; i < 5; i++) await write(p, model, put(i));
    copyFileSync(path.join(tmp.dir, journalFile(0)), path.join(tmp.dir, 'saved-journal'));
    await p.compact(() => model.dump());
    await write(p, model, put(9));
    await p.close();
    copyFileSync(path.join(tmp.dir, 'saved-journal'), path.join(tmp.dir, journalFile(0)));
    const snap = path.join(tmp.dir, snapshotFile(1));
    const buf = readFileSync(snap);
    buf[20] ^= 1;
    writeFileSync(snap, buf);

    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.log.errors.join('\n')).toMatch(/snapshot .* is damaged \(crc mismatch/);
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
    expect(files()).toContain(`${snapshotFile(1)}.corrupt`);
  });

  it('a snapshot cut at a frame boundary is rejected by its trailer', async () => {
    const { p, model } = await open();
    for (let i = 0; i < 3; i++) await write(p, model, put(i));
    copyFileSync(path.join(tmp.dir, journalFile(0)), path.join(tmp.dir, 'saved-journal'));
    await p.compact(() => model.dump());
    await p.close();
    copyFileSync(path.join(tmp.dir, 'saved-journal'), path.join(tmp.dir, journalFile(0)));
    const snap = path.join(tmp.dir, snapshotFile(1));
    const buf = readFileSync(snap);
    // Drop exactly the trailer frame: walk the frames to find its offset.
    let off = 0;
    let lastOff = 0;
    while (off < buf.length) {
      lastOff = off;
      off += 8 + buf.readUInt32LE(off);
    }
    writeFileSync(snap, buf.subarray(0, lastOff));
    const reloaded = await open();
    await reloaded.p.close();
    expect(reloaded.log.errors.join('\n')).toMatch(/trailer/);
    expect(reloaded.model.snapshot()).toBe(model.snapshot());
  });

  it('survives several restart + compaction cycles', async () => {
    const model = new StateModel();
    for (let cycle = 0; cycle < 4; cycle++) {
      const fresh = new StateModel();
      const { p } = await open(fresh);
      expect(fresh.snapshot()).toBe(model.snapshot());
      for (let i = 0; i < 20; i++) {
        const rec = i % 5 === 4 ? del(cycle * 10 + i - 1) : put(cycle * 10 + i, { cycle });
        model.apply(rec);
        await write(p, fresh, rec);
      }
      if (cycle % 2 === 0) await p.compact(() => fresh.dump());
      await p.close();
    }
  });

  it('waits for the journal to outgrow the last snapshot before asking again, also after a restart', async () => {
    const model = new StateModel();
    const log = capturingLogger();
    const p = new JournalPersistence(tmp.dir, { logger: log, compactAfterBytes: 1000 });
    await p.load(model.apply);
    for (let i = 0; i < 200; i++) await write(p, model, put(i, { pad: 'x'.repeat(100) }));
    await p.compact(() => model.dump());
    const snapshot = statSync(path.join(tmp.dir, snapshotFile(1))).size;
    expect(snapshot).toBeGreaterThan(20 * 1000);
    let i = 0;
    while (p.journalBytes < 1000) await write(p, model, put(i++ % 200, { v: i }));
    expect(p.shouldCompact()).toBe(false); // past compactAfterBytes, not past the snapshot
    while (p.journalBytes < snapshot) await write(p, model, put(i++ % 200, { v: i }));
    expect(p.shouldCompact()).toBe(true);
    await p.close();
    const reloaded = new JournalPersistence(tmp.dir, { logger: log, compactAfterBytes: 1000 });
    await reloaded.load(() => undefined);
    expect(reloaded.shouldCompact()).toBe(true);
    await reloaded.close();
  });
});
