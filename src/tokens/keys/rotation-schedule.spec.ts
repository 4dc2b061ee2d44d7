import { isRotationDue, rotationDueAt, rotationLeadMs } from './rotation-schedule';

const DAY = 86_400_000;
const t0 = Date.UTC(2030, 0, 1);
const at = (ms: number) => new Date(ms);

describe('rotation schedule', () => {
  const lead = rotationLeadMs(60, 86_400, 60);
  const schedule = { periodMs: 30 * DAY, leadMs: lead };

  it('the lead is the JWKS cache time plus the longest token lifetime plus the leeway', () => {
    expect(lead).toBe((60 + 86_400 + 60) * 1000);
  });

  it('is due one period after the active key was activated, when the next key was published long before', () => {
    const active = { created_at: at(t0), activated_at: at(t0) };
    const next = { created_at: at(t0), activated_at: null };
    expect(rotationDueAt(active, next, schedule)).toBe(t0 + 30 * DAY);
    expect(isRotationDue(t0 + 30 * DAY - 1, active, next, schedule)).toBe(false);
    expect(isRotationDue(t0 + 30 * DAY, active, next, schedule)).toBe(true);
  });

  it('waits for the lead time of a next key published late, whatever the period says', () => {
    const active = { created_at: at(t0), activated_at: at(t0) };
    const next = { created_at: at(t0 + 30 * DAY - 1000), activated_at: null };
    expect(rotationDueAt(active, next, schedule)).toBe(t0 + 30 * DAY - 1000 + lead);
    expect(isRotationDue(t0 + 30 * DAY, active, next, schedule)).toBe(false);
    expect(isRotationDue(t0 + 30 * DAY - 1000 + lead, active, next, schedule)).toBe(true);
  });

  it('a period shorter than the lead is stretched to the lead', () => {
    const short = { periodMs: 1000, leadMs: lead };
    const active = { created_at: at(t0), activated_at: at(t0) };
    const next = { created_at: at(t0), activated_at: null };
    expect(rotationDueAt(active, next, short)).toBe(t0 + lead);
  });

  it('never rotates when off, without a published next key, or without an active key', () => {
    const active = { created_at: at(t0), activated_at: at(t0) };
    const next = { created_at: at(t0), activated_at: null };
    expect(rotationDueAt(active, next, { periodMs: 0, leadMs: lead })).toBeUndefined();
    expect(rotationDueAt(active, undefined, schedule)).toBeUndefined();
    expect(isRotationDue(t0 + 365 * DAY, undefined, next, schedule)).toBe(false);
    expect(isRotationDue(t0 + 365 * DAY, active, undefined, schedule)).toBe(false);
  });

  it('counts from created_at for an active key that carries no activation date', () => {
    const active = { created_at: at(t0), activated_at: null };
    const next = { created_at: at(t0), activated_at: null };
    expect(rotationDueAt(active, next, schedule)).toBe(t0 + 30 * DAY);
  });
});
