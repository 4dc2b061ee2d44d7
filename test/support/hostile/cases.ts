import { authCases } from './auth-cases';
import { bodyCases } from './body-cases';
import type { RawRequest, RawResponse } from '../http';
import { prng } from '../http';
import type { Rand } from './values';

/**
 * A seeded generator of malformed requests. Each case says what a correct server must do:
 * `reject` = a 4xx in the service's error format; `safe` = anything but a 5xx (e.g. RFC 7662
 * introspection answers 200 {active:false} to a client-authenticated garbage token).
 * Requests carrying a *valid* admin credential only ever pair it with an invalid body or a
 * nonexistent target, so a correct server changes nothing stored.
 */

export interface HostileCase {
  id: string;
  req: RawRequest & { chunked?: boolean };
  expect: 'reject' | 'safe';
  /** Extra check on a 2xx answer; returns a problem description or undefined. */
  check?: (res: RawResponse) => string | undefined;
}

export interface HostileContext {
  /** Valid Basic header of the admin client (to get past authentication into deeper code). */
  adminBasic: string;
  adminBearer: string;
  adminClientId: string;
  /** Forged, tampered and garbage JWTs; none may ever be accepted. */
  badTokens: string[];
  /**
   * Tokens validly signed with the server's own HS256 secret but with one bad claim: sent only
   * where they are verified in full (bearer routes, introspection). The FastAPI service's /revoke revokes
   * any token the server signed, even an expired one, so there they would be a legitimate write.
   */
  bearerOnlyTokens: string[];
  bodyLimit: number;
}

export type Gen = (r: Rand, ctx: HostileContext) => Omit<HostileCase, 'id'>;

const generators: Record<string, Gen> = { ...bodyCases, ...authCases };

/** Weights: the JWT, operator and body-shape families dominate, as in the list. */
const WEIGHTS: [string, number][] = [
  ['jsonOperators', 14],
  ['formHostile', 10],
  ['rawGarbage', 10],
  ['deepNesting', 5],
  ['hugeBody', 5],
  ['badJwt', 22],
  ['badBasic', 10],
  ['wrongContentType', 6],
  ['randomHeaders', 6],
  ['adminHostile', 9],
  ['methodAndPath', 6],
  ['headerOverflow', 1],
];

export function generateCases(seed: number, count: number, ctx: HostileContext): HostileCase[] {
  // A generator of its own per call: case `seed#i` is the same whatever ran before it.
  const rand = prng(seed);
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  return Array.from({ length: count }, (_, i) => {
    let roll = rand() * total;
    const [kind] = WEIGHTS.find(([, w]) => (roll -= w) < 0) ?? WEIGHTS[0];
    return { id: `${seed}#${i}:${kind}`, ...generators[kind](rand, ctx) };
  });
}
