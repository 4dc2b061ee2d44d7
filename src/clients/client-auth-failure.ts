/**
 * Internal: why authentication failed, precisely, for the audit event. The caller only ever
 * sees a generic InvalidClientError, so probing cannot tell an unknown id from a wrong secret.
 */
export class ClientAuthFailure extends Error {
  constructor(
    readonly reason: string,
    readonly clientId?: string,
  ) {
    super(reason);
  }
}
