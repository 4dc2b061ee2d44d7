import { EventEmitter2 } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventBus } from '../common/events';
import { AppConfig } from '../config/app-config.service';
import { MetricsListener } from './metrics.listener';
import { MAX_LABEL_VALUES, MetricsService, OTHER } from './metrics.service';

async function setup(metricsClientLabel = true) {
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot()],
    providers: [
      MetricsService,
      MetricsListener,
      EventBus,
      { provide: AppConfig, useValue: { metricsClientLabel } },
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, metrics: moduleRef.get(MetricsService), events: moduleRef.get(EventBus) };
}

describe('MetricsService and MetricsListener', () => {
  it('counts issued and denied tokens by client and reason from the domain events', async () => {
    const { moduleRef, metrics, events } = await setup();
    const ctx = { ip: '1.2.3.4', reason: 'test' };
    events.emit('token.issued', {
      ...ctx,
      clientId: 'svc',
      grantType: 'client_credentials',
      jti: 'j',
      scope: [],
      audience: [],
      refreshTokenIssued: false,
    });
    events.emit('client.authenticated', { ...ctx, clientId: 'svc' });
    events.emit('token.denied', { ...ctx, clientId: 'svc', code: 'invalid_scope' });
    events.emit('token.denied', { ...ctx, clientId: 'made-up-by-caller', code: 'invalid_client' });
    events.emit('client.authentication_failed', {
      ...ctx,
      clientId: 'made-up-by-caller',
      code: 'invalid_client',
    });
    events.emit('access.denied', { ...ctx, clientId: 'svc', code: 'insufficient_scope' });
    events.emit('token.invalid', { ...ctx, clientId: 'claimed', code: 'invalid_token' });
    events.emit('rate_limit.exceeded', ctx);
    events.emit('rate_limit.exceeded', ctx);

    const text = await metrics.render();
    expect(text).toContain(
      'oauth_tokens_issued_total{client_id="svc",grant_type="client_credentials"} 1',
    );
    expect(text).toContain('oauth_tokens_denied_total{client_id="svc",reason="invalid_scope"} 1');
    expect(text).toContain(
      'oauth_tokens_denied_total{client_id="svc",reason="insufficient_scope"} 1',
    );
    // Counted once per refused request, under "unknown" when the client never authenticated.
    expect(text).toContain(
      'oauth_tokens_denied_total{client_id="unknown",reason="invalid_client"} 1',
    );
    expect(text).toContain(
      'oauth_tokens_denied_total{client_id="unknown",reason="invalid_token"} 1',
    );
    expect(text).toContain('oauth_client_authentication_failures_total 1');
    expect(text).not.toContain('made-up-by-caller');
    expect(text).not.toContain('claimed');
    expect(text).toContain('rate_limit_exceeded_total 2');
    await moduleRef.close();
  });

  it('without METRICS_CLIENT_LABEL, counts by grant type and reason only: no client id anywhere', async () => {
    const { moduleRef, metrics, events } = await setup(false);
    const ctx = { ip: '1.2.3.4', reason: 'test' };
    events.emit('client.authenticated', { ...ctx, clientId: 'svc-secret-name' });
    events.emit('token.issued', {
      ...ctx,
      clientId: 'svc-secret-name',
      grantType: 'client_credentials',
      jti: 'j',
      scope: [],
      audience: [],
      refreshTokenIssued: false,
    });
    events.emit('token.denied', { ...ctx, clientId: 'svc-secret-name', code: 'invalid_scope' });
    const text = await metrics.render();
    expect(text).toContain('oauth_tokens_issued_total{grant_type="client_credentials"} 1');
    expect(text).toContain('oauth_tokens_denied_total{reason="invalid_scope"} 1');
    expect(text).not.toContain('client_id');
    expect(text).not.toContain('svc-secret-name');
    await moduleRef.close();
  });

  it('records request latency by route template, never by raw path', async () => {
    const { moduleRef, metrics } = await setup();
    metrics.observeRequest('GET', '/admin/clients/:id', 200, 0.003);
    metrics.observeRequest('GET', undefined, 404, 0.001);
    metrics.observeRequest('BREW', undefined, 404, 0.001);
    const text = await metrics.render();
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/admin/clients/:id",status_code="200"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
    );
    expect(text).toContain(
      `http_request_duration_seconds_count{method="${OTHER}",route="unmatched",status_code="404"} 1`,
    );
    await moduleRef.close();
  });

  it('caps the number of distinct client labels', async () => {
    const { moduleRef, metrics } = await setup();
    for (let i = 0; i <= MAX_LABEL_VALUES; i++) metrics.tokenIssued(`c${i}`, 'client_credentials');
    const text = await metrics.render();
    expect(text).toContain(
      `oauth_tokens_issued_total{client_id="${OTHER}",grant_type="client_credentials"} 1`,
    );
    expect(text).not.toContain(`client_id="c${MAX_LABEL_VALUES}"`);
    await moduleRef.close();
  });

  it('keeps one registry per instance, so two apps in a process do not collide', async () => {
    const a = await setup();
    const b = await setup();
    a.metrics.rateLimitExceeded();
    expect(await b.metrics.render()).toContain('rate_limit_exceeded_total 0');
    expect(b.moduleRef.get(EventEmitter2)).not.toBe(a.moduleRef.get(EventEmitter2));
    await a.moduleRef.close();
    await b.moduleRef.close();
  });
});
