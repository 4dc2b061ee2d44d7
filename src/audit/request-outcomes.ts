import { isRequestContext, type RequestMeta } from '../common/http/request-context';
import { OUTCOME_RANK, OUTCOME_ROLES } from './audit-event-map';
import type { AuditEvent } from './audit-entry';

/** A request's events so far, and which of them decides its entry. */
export interface RequestOutcome {
  events: AuditEvent[];
  /** The index of the deciding event, and its rank. */
  decisive: number;
  rank: number;
}

/** The request has written its entry: what still comes is written on its own. */
const SETTLED = Symbol('settled');

/**
 * One audit entry per request outcome. The events of a request (its client authenticated, a
 * token was issued, a refresh token was reused, the request was refused, …) are held, keyed by
 * the request's context, until the reply is sent; then the highest-ranked one decides the entry
 * (the first of equals: a cause comes before its consequences) and the others add their details.
 *
 * Only a context made for an HTTP request (requestMetaOf) is held: nothing else would ever be
 * settled, so events of the CLI, of background work or with a copied context are written at
 * once, and so are changes (a client, a key, the configuration), wherever they happen. Keyed
 * weakly, so a request that never replies (the connection dropped) leaks nothing.
 */
export class RequestOutcomes {
  private readonly requests = new WeakMap<RequestMeta, RequestOutcome | typeof SETTLED>();

  /** True when the event is held for its request's entry; false when it is an entry of its own. */
  hold(event: AuditEvent, request: RequestMeta | undefined): boolean {
    const role = OUTCOME_ROLES[event.name];
    if (role === 'change' || request === undefined || !isRequestContext(request)) return false;
    const outcome = this.requests.get(request);
    if (outcome === SETTLED) return false;
    const rank = OUTCOME_RANK[role];
    if (!outcome) {
      this.requests.set(request, { events: [event], decisive: 0, rank });
      return true;
    }
    if (rank > outcome.rank) {
      outcome.decisive = outcome.events.length;
      outcome.rank = rank;
    }
    outcome.events.push(event);
    return true;
  }

  /** The request's events, once, when its reply is sent; undefined if it had none. */
  settle(request: RequestMeta): RequestOutcome | undefined {
    const outcome = this.requests.get(request);
    this.requests.set(request, SETTLED);
    return outcome === SETTLED ? undefined : outcome;
  }
}
