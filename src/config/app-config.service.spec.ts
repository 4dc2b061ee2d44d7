import 'reflect-metadata';
import { MAX_AUTO_WORKERS, resolveWorkers } from './app-config.service';
import { validateEnv } from './env.validation';

describe('WORKERS', () => {
  it('defaults to auto, and accepts auto in any case or a count', () => {
    expect(validateEnv({}).WORKERS).toBe('auto');
    expect(validateEnv({ WORKERS: ' AUTO ' }).WORKERS).toBe('auto');
    expect(validateEnv({ WORKERS: '3' }).WORKERS).toBe(3);
  });

  it.each(['0', '65', 'many', '1.5'])('refuses WORKERS=%s, naming the variable', (value) => {
    expect(() => validateEnv({ WORKERS: value })).toThrow(`WORKERS=${JSON.stringify(value)}`);
  });

  it('auto leaves one core to the database and stops at the cap; a count is kept', () => {
    expect(resolveWorkers('auto', 1)).toBe(1);
    expect(resolveWorkers('auto', 2)).toBe(1);
    expect(resolveWorkers('auto', 4)).toBe(3);
    expect(resolveWorkers('auto', 64)).toBe(MAX_AUTO_WORKERS);
    expect(resolveWorkers(2, 2)).toBe(2);
  });
});
