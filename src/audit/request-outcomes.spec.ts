import type { FastifyRequest } from 'fastify';
import type { DomainEventName, DomainEvents } from '../common/events';
import { requestMetaOf, type RequestMeta } from '../common/http/request-context';
import type { AuditEvent } from './audit-entry';
import { RequestOutcomes } from './request-outcomes';

let requests = 0;
const newRequest = (): RequestMeta =>
  requestMetaOf({
    ip: '10.0.0.1',
    id: `req-${++requests}`,
    url: '/oauth/token',
    routeOptions: { url: '/oauth/token' },
  } as unknown as FastifyRequest);

const event = <K extends DomainEventName>(
  name: K,
  request: RequestMeta | undefined,
  extra: Partial<DomainEvents[K]> = {},
): AuditEvent => ({ name, payload: { request, reason: name, ...extra } });
const names = (events: AuditEvent[] | undefined) => events?.map((e) => e.name);

describe('RequestOutcomes', () => {
  let outcomes: RequestOutcomes;
  beforeEach(() => {
    outcomes = new RequestOutcomes();
  });

  it('holds a successful grant: the token decides, the authentication adds to it', () => {
    const request = newRequest();
    expect(outcomes.hold(event('client.authenticated', request), request)).toBe(true);
    expect(outcomes.hold(event('token.issued', request), request)).toBe(true);
    const outcome = outcomes.settle(request);
    expect(names(outcome?.events)).toEqual(['client.authenticated', 'token.issued']);
    expect(outcome?.decisive).toBe(1);
  });

  it('lets the specific cause of a refusal win over the generic one that follows it', () => {
    const request = newRequest();
    for (const name of ['refresh_token.reused', 'token.revoked', 'token.denied'] as const) {
      outcomes.hold(event(name, request), request);
    }
    expect(outcomes.settle(request)?.decisive).toBe(0);
  });

  it('keeps the first of equally ranked events: the cause comes before its consequences', () => {
    const request = newRequest();
    outcomes.hold(event('rate_limit.exceeded', request), request);
    outcomes.hold(event('client.authentication_failed', request), request);
    expect(outcomes.settle(request)?.decisive).toBe(0);
  });

  it('a generic refusal decides only when nothing more specific happened', () => {
    const request = newRequest();
    outcomes.hold(event('client.authenticated', request), request);
    outcomes.hold(event('token.denied', request), request);
    expect(outcomes.settle(request)?.decisive).toBe(1);
  });

  it('never holds a change, an event without a request, or one with a copied context', () => {
    const request = newRequest();
    expect(outcomes.hold(event('client.secret_migrated', request), request)).toBe(false);
    expect(outcomes.hold(event('signing_key.created', undefined), undefined)).toBe(false);
    const copy = { ...request };
    expect(outcomes.hold(event('token.revoked', copy), copy)).toBe(false);
    const cli = { actor: 'cli' };
    expect(outcomes.hold(event('token.revoked', cli), cli)).toBe(false);
    expect(outcomes.settle(request)).toBeUndefined();
  });

  it('settles once: a request that replied writes what still comes on its own', () => {
    const request = newRequest();
    outcomes.hold(event('token.invalid', request), request);
    expect(names(outcomes.settle(request)?.events)).toEqual(['token.invalid']);
    expect(outcomes.settle(request)).toBeUndefined();
    expect(outcomes.hold(event('access.denied', request), request)).toBe(false);
  });

  it('keeps requests apart, even with the same client-chosen request id', () => {
    const a = newRequest();
    const b = requestMetaOf({
      ip: '10.0.0.2',
      id: a.requestId,
      url: '/protected',
    } as unknown as FastifyRequest);
    outcomes.hold(event('token.issued', a), a);
    outcomes.hold(event('token.invalid', b), b);
    expect(names(outcomes.settle(a)?.events)).toEqual(['token.issued']);
    expect(names(outcomes.settle(b)?.events)).toEqual(['token.invalid']);
  });
});
