import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DomainEventName, DomainEvents } from '../common/events';
import { beforeEveryReply } from '../common/http/on-response';
import { existingRequestMeta, type RequestMeta } from '../common/http/request-context';
import { AppConfig } from '../config/app-config.service';
import { toAuditEntry, toOutcomeEntry } from './audit-entry';
import { AUDIT_EVENT_TYPES } from './audit-event-map';
import { AuditWriter } from './audit-writer.service';
import { RequestOutcomes } from './request-outcomes';

const DAY_MS = 86_400_000;

/**
 * Turns domain events into audit entries: one per request outcome, and one per change or event
 * outside a request. Subscribed from the exhaustive event map rather than one @OnEvent method
 * per event, so an event can only be unaudited by failing to compile. Listeners run
 * synchronously inside `emit`: they only hold the event, or build the entry and buffer it.
 */
@Injectable()
export class AuditListener implements OnModuleInit {
  private readonly retentionMs: number;
  private readonly outcomes = new RequestOutcomes();

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly writer: AuditWriter,
    private readonly adapterHost: HttpAdapterHost,
    config: AppConfig,
  ) {
    this.retentionMs = config.auditRetentionDays * DAY_MS;
  }

  onModuleInit(): void {
    for (const name of Object.keys(AUDIT_EVENT_TYPES) as DomainEventName[]) {
      this.emitter.on(name, (payload: DomainEvents[typeof name]) => this.record(name, payload));
    }
    // Every event that decides a request's outcome is emitted before its reply is sent.
    beforeEveryReply(this.adapterHost, (req) => {
      const request = existingRequestMeta(req);
      if (request) this.settle(request);
    });
  }

  record<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    if (this.outcomes.hold({ name, payload }, payload.request)) return;
    this.writer.write(toAuditEntry(name, payload, new Date(), this.retentionMs));
  }

  /** The request has replied: its one entry, if any of its events were held. */
  settle(request: RequestMeta): void {
    const outcome = this.outcomes.settle(request);
    if (!outcome) return;
    this.writer.write(
      toOutcomeEntry(outcome.events, outcome.decisive, request, new Date(), this.retentionMs),
    );
  }
}
