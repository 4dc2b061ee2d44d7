import type { FastifyRequest } from 'fastify';
import type { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { requestMetaOf } from '../common/http/request-context';
import type { AppConfig } from '../config/app-config.service';
import type { AuditEntry } from './audit-event-map';
import type { AuditWriter } from './audit-writer.service';
import { AuditListener } from './audit.listener';

describe('AuditListener', () => {
  const written: AuditEntry[] = [];
  let emitter: EventEmitter2;
  let listener: AuditListener;
  /** The onSend hook the listener registers, run as Fastify would before a reply. */
  let beforeReply: ((req: FastifyRequest) => void) | undefined;
  const req = (id: string) =>
    ({ ip: '10.0.0.1', id, url: '/token', routeOptions: { url: '/token' } }) as FastifyRequest;

  beforeEach(() => {
    written.length = 0;
    emitter = new EventEmitter2();
    const fastify = {
      addHook: (
        _name: string,
        hook: (r: FastifyRequest, reply: unknown, p: unknown, done: () => void) => void,
      ) => {
        beforeReply = (r) => hook(r, {}, undefined, () => undefined);
      },
    };
    listener = new AuditListener(
      emitter,
      { write: (entry: AuditEntry) => written.push(entry) } as unknown as AuditWriter,
      { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost,
      { auditRetentionDays: 1 } as AppConfig,
    );
    listener.onModuleInit();
  });

  it("writes one entry for a request's events, when its reply is sent", () => {
    const r = req('r1');
    const request = requestMetaOf(r);
    const common = { clientId: 'svc', ip: request.ip, requestId: request.requestId, request };
    emitter.emit('client.authenticated', {
      ...common,
      reason: 'authenticated with client_secret_post',
      method: 'client_secret_post',
    });
    emitter.emit('client.secret_migrated', { ...common, reason: 'plaintext secret hashed' });
    emitter.emit('token.issued', {
      ...common,
      reason: 'password grant',
      grantType: 'password',
      jti: 'j1',
      scope: ['read'],
      audience: [],
      refreshTokenIssued: true,
    });
    // The change is written at once; the request's outcome waits for the reply.
    expect(written.map((e) => e.event_type)).toEqual(['client_secret_migrated']);
    beforeReply?.(r);
    expect(written.map((e) => e.event_type)).toEqual(['client_secret_migrated', 'login_success']);
    expect(written[1]).toMatchObject({
      client_id: 'svc',
      reason: 'password grant',
      request_id: 'r1',
      details: {
        endpoint: '/token',
        method: 'client_secret_post',
        grant_type: 'password',
        jti: 'j1',
        scope: ['read'],
        audience: [],
        refresh_token_issued: true,
      },
    });
  });

  it('writes nothing for a request without events, and events outside a request at once', () => {
    beforeReply?.(req('r2'));
    expect(written).toEqual([]);
    emitter.emit('signing_key.activated', { kid: 'k1', reason: 'scheduled rotation' });
    expect(written).toEqual([
      expect.objectContaining({ event_type: 'signing_key_activated', details: { kid: 'k1' } }),
    ]);
  });
});
