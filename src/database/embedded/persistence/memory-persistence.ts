import type { JournalRecord, Persistence } from './persistence.types';

/** In-memory mode and engine tests: same lifecycle rules as the journal, no durability. */
export class MemoryPersistence implements Persistence {
  private closed = false;

  async load(_apply: (record: JournalRecord) => void): Promise<void> {
    this.assertOpen();
  }

  async append(_records: JournalRecord[]): Promise<void> {
    this.assertOpen();
  }

  async compact(_dump: () => Iterable<JournalRecord>): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  shouldCompact(): boolean {
    return false;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryPersistence is closed');
  }
}
