import { InvalidRequestError } from '../common/errors/oauth-errors';

const MAX_EXCHANGE_AUDIENCES = 50;

/** Exchange targets are compared verbatim with `audience` and `resource` values. */
export function checkExchangePolicy(policy: unknown): { audiences: string[] } {
  const audiences = (policy as { audiences?: unknown } | null)?.audiences;
  if (
    !Array.isArray(audiences) ||
    audiences.length > MAX_EXCHANGE_AUDIENCES ||
    !audiences.every((a) => typeof a === 'string' && a.length > 0 && a.length <= 512)
  ) {
    throw new InvalidRequestError(
      `token_exchange must be {"audiences": [...]} with at most ${MAX_EXCHANGE_AUDIENCES} strings`,
    );
  }
  return { audiences: [...new Set(audiences as string[])] };
}
