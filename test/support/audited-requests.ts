import { randomUUID } from 'node:crypto';
import { AuditWriter } from '../../src/audit/audit-writer.service';
import type { TestClient } from './factories/client.factory';
import { basicAuth, form, type HttpTestApp } from './http-app';

export interface SentRequest {
  /** The X-Request-Id it was sent with: its audit entries carry it as request_id. */
  id: string;
  status: number;
  body: Record<string, unknown>;
}

/**
 * Requests sent each with its own X-Request-Id, and the audit entries each of them wrote, for
 * tests that assert what one request stores.
 */
export function auditedRequests(app: () => HttpTestApp) {
  const send = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    payload?: string | object,
  ): Promise<SentRequest> => {
    const id = randomUUID();
    const res = await app().app.inject({
      method,
      url,
      headers: {
        'x-request-id': id,
        ...(typeof payload === 'string' && {
          'content-type': 'application/x-www-form-urlencoded',
        }),
        ...headers,
      },
      ...(payload !== undefined && { payload }),
    });
    return { id, status: res.statusCode, body: res.body ? res.json() : {} };
  };
  return {
    send,
    /** POST /oauth/token with client_secret_basic. */
    token: (client: TestClient, fields: Record<string, string>) =>
      send(
        'POST',
        '/oauth/token',
        { authorization: basicAuth(client.clientId, client.secret) },
        form(fields),
      ),
    /** The FastAPI service's form login on POST /token. */
    legacyLogin: (client: TestClient, password = client.secret) =>
      send('POST', '/token', {}, form({ username: client.clientId, password })),
    /** The entries one request wrote, without the fields every entry has (checked here). */
    entriesOf: async (id: string) => {
      await app().app.get(AuditWriter).flush();
      const stored = await app().db.collection('audit_logs').find({ request_id: id }).toArray();
      return stored.map(({ _id, timestamp, expires_at, request_id, ...rest }) => {
        expect(timestamp).toBeInstanceOf(Date);
        expect(expires_at).toBeInstanceOf(Date);
        expect(request_id).toBe(id);
        return rest;
      });
    },
  };
}
