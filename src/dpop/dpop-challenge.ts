import { DPOP_SIGNING_ALGS } from './dpop.types';

const quote = (value: string): string => value.replace(/["\\]/g, '');

/** RFC 9449 §7.1: `DPoP algs="…"`, with `error` and `error_description` when a token was sent. */
export function dpopChallenge(attributes: Record<string, string> = {}): string {
  const parts = Object.entries(attributes).map(([name, value]) => `${name}="${quote(value)}"`);
  parts.push(`algs="${DPOP_SIGNING_ALGS.join(' ')}"`);
  return `DPoP ${parts.join(', ')}`;
}
