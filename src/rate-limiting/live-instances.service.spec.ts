import { Logger } from '@nestjs/common';
import {
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TTL_MS,
  LiveInstancesService,
} from './live-instances.service';
import type { RateLimitRepository } from './rate-limit.repository';

const NOW = 1_700_000_000_000;

function serviceOver(repository: Partial<Record<keyof RateLimitRepository, jest.Mock>>) {
  const service = new LiveInstancesService(repository as unknown as RateLimitRepository);
  service.clock = () => NOW;
  return service;
}

describe('LiveInstancesService', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts itself alone before its first heartbeat', () => {
    expect(serviceOver({}).count).toBe(1);
  });

  it('renews its own heartbeat, then counts the instances alive now', async () => {
    const repository = {
      beat: jest.fn().mockResolvedValue(undefined),
      countLiveInstances: jest.fn().mockResolvedValue(3),
    };
    const service = serviceOver(repository);
    await service.beat();
    expect(repository.beat).toHaveBeenCalledWith(service.id, new Date(NOW + HEARTBEAT_TTL_MS));
    expect(repository.countLiveInstances).toHaveBeenCalledWith(new Date(NOW));
    expect(service.count).toBe(3);
  });

  it('never counts fewer than one instance', async () => {
    const service = serviceOver({
      beat: jest.fn().mockResolvedValue(undefined),
      countLiveInstances: jest.fn().mockResolvedValue(0),
    });
    await service.beat();
    expect(service.count).toBe(1);
  });

  it('keeps the last known count, and warns, when the database fails', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const countLiveInstances = jest.fn().mockResolvedValueOnce(4);
    const beat = jest.fn().mockResolvedValueOnce(undefined).mockRejectedValue(new Error('db down'));
    const service = serviceOver({ beat, countLiveInstances });
    await service.beat();
    await expect(service.beat()).resolves.toBeUndefined();
    expect(service.count).toBe(4);
    expect(warn).toHaveBeenCalledWith(
      'rate-limit heartbeat failed, keeping 4 instance(s): Error: db down',
    );
  });

  it('skips a heartbeat while the previous one is still pending', async () => {
    let release: () => void = () => undefined;
    const beat = jest.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const service = serviceOver({ beat, countLiveInstances: jest.fn().mockResolvedValue(2) });
    const first = service.beat();
    await service.beat();
    expect(beat).toHaveBeenCalledTimes(1);
    release();
    await first;
    expect(service.count).toBe(2);
  });

  it('beats at start-up and on an interval, and leaves the count when shutting down', async () => {
    jest.useFakeTimers({ now: NOW });
    try {
      const repository = {
        beat: jest.fn().mockResolvedValue(undefined),
        countLiveInstances: jest.fn().mockResolvedValue(2),
        forgetInstance: jest.fn().mockResolvedValue(undefined),
      };
      const service = serviceOver(repository);
      await service.onApplicationBootstrap();
      expect(service.count).toBe(2);
      await jest.advanceTimersByTimeAsync(HEARTBEAT_INTERVAL_MS);
      expect(repository.beat).toHaveBeenCalledTimes(2);
      await service.beforeApplicationShutdown();
      expect(repository.forgetInstance).toHaveBeenCalledWith(service.id);
      await jest.advanceTimersByTimeAsync(20_000);
      expect(repository.beat).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
