import {
  appendFileSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'fs';
import * as path from 'path';
import { journalFile } from './generations';
import { JournalPersistence } from './journal-persistence';
import type { JournalRecord } from './persistence.types';
import { encodeFrame } from './record-codec';
import { capturingLogger, makeTmpDir, put } from './__fixtures__/test-utils';

describe('JournalPersistence corruption handling', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let journal: string;
  beforeEach(async () => {
    tmp = makeTmpDir();
    journal = path.join(tmp.dir, journalFile(0));
    const p = new JournalPersistence(tmp.dir, { logger: capturingLogger() });
    await p.load(() => undefined);
    for (let i = 0; i < 10; i++) await p.append([put(i)]);
    await p.close();
  });
  afterEach(() => tmp.cleanup());

  async function open(): Promise<{
    p: JournalPersistence;
    records: JournalRecord[];
    log: ReturnType<typeof capturingLogger>;
  }> {
    const log = capturingLogger();
    const records: JournalRecord[] = [];
    const p = new JournalPersistence(tmp.dir, { logger: log });
    await p.load((r) => records.push(r));
    return { p, records, log };
  }

  /** After recovery the journal must accept writes and reload cleanly. */
  async function expectWritableAfterRecovery(
    p: JournalPersistence,
    expected: JournalRecord[],
  ): Promise<void> {
    await p.append([put(100)]);
    await p.close();
    const again = await open();
    await again.p.close();
    expect(again.log.warnings).toEqual([]);
    expect(again.log.errors).toEqual([]);
    expect(again.records).toEqual([...expected, put(100)]);
  }

  const all = (n: number): JournalRecord[] => Array.from({ length: n }, (_, i) => put(i));
  const frameOffsets = (): number[] => {
    const buf = readFileSync(journal);
    const offs: number[] = [];
    for (let off = 0; off < buf.length; off += 8 + buf.readUInt32LE(off)) offs.push(off);
    return offs;
  };

  it('truncates a record cut mid-payload, warns, keeps earlier records', async () => {
    const size = statSync(journal).size;
    const last = frameOffsets()[9];
    truncateSync(journal, size - 7);
    const { p, records, log } = await open();
    expect(records).toEqual(all(9));
    expect(log.warnings).toHaveLength(1);
    expect(log.warnings[0]).toMatch(/torn tail at byte offset \d+/);
    expect(log.errors).toEqual([]);
    expect(statSync(journal).size).toBe(last);
    await expectWritableAfterRecovery(p, all(9));
  });

  it('truncates a cut header (fewer than 8 bytes of the last frame)', async () => {
    const last = frameOffsets()[9];
    truncateSync(journal, last + 3);
    const { p, records, log } = await open();
    expect(records).toEqual(all(9));
    expect(log.warnings[0]).toMatch(/short header/);
    await expectWritableAfterRecovery(p, all(9));
  });

  it('drops trailing garbage bytes', async () => {
    appendFileSync(journal, Buffer.from('\x13\x37garbage that is not a frame at all'));
    const { p, records, log } = await open();
    expect(records).toEqual(all(10));
    expect(log.warnings).toHaveLength(1);
    await expectWritableAfterRecovery(p, all(10));
  });

  it('treats a crc mismatch in the last record as a torn tail', async () => {
    const buf = readFileSync(journal);
    buf[buf.length - 3] ^= 0xff;
    writeFileSync(journal, buf);
    const { p, records, log } = await open();
    expect(records).toEqual(all(9));
    expect(log.warnings[0]).toMatch(/crc mismatch/);
    expect(log.errors).toEqual([]);
    await expectWritableAfterRecovery(p, all(9));
  });

  it('treats a crc-valid but undecodable payload as corrupt', async () => {
    // A frame with a valid crc whose payload is not a journal record.
    appendFileSync(journal, encodeFrame({ op: 'bogus' }));
    const { p, records, log } = await open();
    expect(records).toEqual(all(10));
    expect(log.warnings[0]).toMatch(/undecodable record/);
    await expectWritableAfterRecovery(p, all(10));
  });

  it('corruption in the middle: truncates there, logs an error with the byte offset, saves the rest', async () => {
    const bad = frameOffsets()[4];
    const buf = readFileSync(journal);
    buf[bad + 8 + 10] ^= 0x55; // inside the payload of record #4
    writeFileSync(journal, buf);
    const { p, records, log } = await open();
    expect(records).toEqual(all(4));
    expect(log.warnings).toEqual([]);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toContain(`corrupt at byte offset ${bad}`);
    expect(statSync(journal).size).toBe(bad);
    const aside = readdirSync(tmp.dir).filter((n) => n.includes('.corrupt-'));
    expect(aside).toEqual([`${journalFile(0)}.corrupt-${bad}`]);
    expect(readFileSync(path.join(tmp.dir, aside[0]))).toEqual(buf.subarray(bad));
    await expectWritableAfterRecovery(p, all(4));
  });

  it('a garbage length field in the middle is still detected as mid-file corruption', async () => {
    const bad = frameOffsets()[2];
    const buf = readFileSync(journal);
    buf.writeUInt32LE(0xfffffff0, bad);
    writeFileSync(journal, buf);
    const { p, records, log } = await open();
    expect(records).toEqual(all(2));
    expect(log.errors[0]).toMatch(new RegExp(`byte offset ${bad} \\(implausible length`));
    await expectWritableAfterRecovery(p, all(2));
  });

  it('an empty or zero-filled journal tail loads (preallocated / crashed filesystem)', async () => {
    appendFileSync(journal, Buffer.alloc(4096));
    const { p, records, log } = await open();
    expect(records).toEqual(all(10));
    expect(log.warnings).toHaveLength(1);
    await expectWritableAfterRecovery(p, all(10));
  });
});
