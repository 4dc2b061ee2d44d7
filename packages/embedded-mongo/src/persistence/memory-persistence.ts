import type { JournalRecord, Persistence } from './persistence.types';

/** In-memory mode and engine tests: same lifecycle rules as the journal, no durability. */
export class MemoryPersistence implements Persistence {
  private closed = false;

  load(_apply: (record: JournalRecord) => void): Promise<void> {
    return this.ready();
  }

  append(_records: JournalRecord[]): Promise<void> {
    return this.ready();
  }

  compact(_dump: () => Iterable<JournalRecord>): Promise<number> {
    return this.ready().then(() => 0);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  shouldCompact(): boolean {
    return false;
  }

  private ready(): Promise<void> {
    return this.closed
      ? Promise.reject(new Error('MemoryPersistence is closed'))
      : Promise.resolve();
  }
}
