import { InvalidRequestError } from '../common/errors/oauth-errors';
import type { EventBus } from '../common/events';
import { AdminConfigService } from './admin-config.service';
import type {
  RuntimeConfigService,
  RuntimeSettings,
  RuntimeSettingsPatch,
} from './runtime-config.service';

function setup(secretKey = 'k') {
  let settings: RuntimeSettings = {
    algorithm: 'ES256',
    secretKey,
    accessTokenMinutes: 15,
    refreshTokenDays: 30,
    maxRequestsPerMinute: 60,
  };
  const runtime = {
    get current() {
      return settings;
    },
    update: jest.fn((patch: RuntimeSettingsPatch) => {
      settings = { ...settings, ...patch };
      return Promise.resolve(settings);
    }),
  };
  const events = { emit: jest.fn() };
  const service = new AdminConfigService(
    runtime as unknown as RuntimeConfigService,
    events as unknown as EventBus,
  );
  return { service, runtime, events };
}

describe('AdminConfigService', () => {
  it('shows the effective settings without the secret key', () => {
    const view = setup('very-secret').service.current();
    expect(view).toEqual({
      algorithm: 'ES256',
      access_token_expire_minutes: 15,
      refresh_token_expire_days: 30,
      max_requests_per_minute: 60,
    });
    expect(JSON.stringify(view)).not.toContain('very-secret');
  });

  it('applies a patch and emits config.updated naming what changed', async () => {
    const { service, runtime, events } = setup();
    const view = await service.update(
      { max_requests_per_minute: 100 },
      { clientId: 'admin', ip: '1.1.1.1', requestId: 'r' },
    );
    expect(runtime.update).toHaveBeenCalledWith({ maxRequestsPerMinute: 100 });
    expect(view.max_requests_per_minute).toBe(100);
    expect(events.emit).toHaveBeenCalledWith('config.updated', {
      clientId: 'admin',
      ip: '1.1.1.1',
      requestId: 'r',
      reason: 'runtime configuration updated: max_requests_per_minute=100',
    });
  });

  it('refuses an empty patch and HS256 without a secret key', async () => {
    const { service } = setup('');
    await expect(service.update({}, {})).rejects.toThrow(InvalidRequestError);
    await expect(service.update({ algorithm: 'HS256' }, {})).rejects.toThrow(InvalidRequestError);
  });
});
