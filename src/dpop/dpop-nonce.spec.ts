import { DpopNonces, NONCE_WINDOW_SECONDS } from './dpop-nonce';

describe('DpopNonces', () => {
  const now = 1_800_000_000;
  const nonces = new DpopNonces('a-secret-of-sixteen+');

  it('accepts a nonce during its window and the next, then refuses it', () => {
    const nonce = nonces.current(now);
    expect(nonces.isValid(nonce, now)).toBe(true);
    expect(nonces.isValid(nonce, now + NONCE_WINDOW_SECONDS)).toBe(true);
    expect(nonces.isValid(nonce, now + 2 * NONCE_WINDOW_SECONDS)).toBe(false);
  });

  it('is shared by instances with the same secret and refused under another', () => {
    const nonce = nonces.current(now);
    expect(new DpopNonces('a-secret-of-sixteen+').isValid(nonce, now)).toBe(true);
    expect(new DpopNonces('another-secret-here').isValid(nonce, now)).toBe(false);
  });

  it('refuses forged and malformed values', () => {
    const [label] = nonces.current(now).split('.');
    expect(nonces.isValid(`${label}.forged`, now)).toBe(false);
    expect(nonces.isValid(undefined, now)).toBe(false);
    expect(nonces.isValid(42, now)).toBe(false);
    expect(nonces.isValid('x'.repeat(100), now)).toBe(false);
  });
});
