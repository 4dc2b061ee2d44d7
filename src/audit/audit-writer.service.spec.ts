import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.service';
import type { AuditEntry } from './audit-event-map';
import type { AuditRepository } from './audit.repository';
import { AuditWriter, BATCH_SIZE, MAX_ATTEMPTS } from './audit-writer.service';

const entry = (i: number): AuditEntry => ({
  event_type: 'login_success',
  reason: `e${i}`,
  timestamp: new Date(0),
});

function setup(insert: (batch: AuditEntry[]) => Promise<void>) {
  const stored: AuditEntry[][] = [];
  const repository = {
    insertBatch: jest.fn(async (batch: AuditEntry[]) => {
      await insert(batch);
      stored.push(batch);
    }),
  };
  const writer = new AuditWriter(
    repository as unknown as AuditRepository,
    {
      auditFlushIntervalMs: 60_000,
    } as AppConfig,
  );
  return { writer, repository, stored };
}

describe('AuditWriter', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('buffers entries and writes them in one batch on flush', async () => {
    const { writer, stored } = setup(() => Promise.resolve());
    for (let i = 0; i < 10; i++) writer.write(entry(i));
    expect(stored).toHaveLength(0);
    await writer.flush();
    expect(stored).toHaveLength(1);
    expect(stored[0].map((e) => e.reason)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i}`));
  });

  it('starts a write as soon as a full batch is buffered', async () => {
    const { writer, repository } = setup(() => Promise.resolve());
    for (let i = 0; i < BATCH_SIZE; i++) writer.write(entry(i));
    expect(repository.insertBatch).toHaveBeenCalledTimes(0);
    await Promise.resolve();
    await writer.flush();
    expect(repository.insertBatch).toHaveBeenCalledTimes(1);
    expect(repository.insertBatch.mock.calls[0][0]).toHaveLength(BATCH_SIZE);
  });

  it('keeps entries in order and retries them after a transient failure', async () => {
    let failNext = true;
    const { writer, stored } = setup(() => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('connection reset'));
      }
      return Promise.resolve();
    });
    writer.write(entry(1));
    writer.write(entry(2));
    await writer.flush();
    expect(writer.pending).toBe(2);
    writer.write(entry(3));
    await writer.flush();
    expect(stored.flat().map((e) => e.reason)).toEqual(['e1', 'e2', 'e3']);
    expect(writer.pending).toBe(0);
  });

  it('drops a batch that keeps failing, and logs it', async () => {
    const { writer, repository } = setup(() => Promise.reject(new Error('bad')));
    writer.write(entry(1));
    for (let i = 0; i < MAX_ATTEMPTS; i++) await writer.flush();
    expect(repository.insertBatch).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(writer.pending).toBe(0);
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      expect.stringContaining('dropped audit entries'),
    );
  });

  it('flushes everything before the application shuts down', async () => {
    const { writer, stored } = setup(() => Promise.resolve());
    writer.write(entry(1));
    await writer.beforeApplicationShutdown();
    expect(stored.flat()).toHaveLength(1);
  });
});
