import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DomainEventName, DomainEvents } from '../common/events';
import { AppConfig } from '../config/app-config.service';
import { AUDIT_EVENT_TYPES, toAuditEntry } from './audit-event-map';
import { AuditWriter } from './audit-writer.service';

const DAY_MS = 86_400_000;

/**
 * Turns every domain event into an audit entry. Subscribed from the exhaustive event map rather
 * than one @OnEvent method per event, so an event can only be unaudited by failing to compile.
 * Listeners run synchronously inside `emit`: they only build the entry and buffer it.
 */
@Injectable()
export class AuditListener implements OnModuleInit {
  private readonly retentionMs: number;

  constructor(
    private readonly emitter: EventEmitter2,
    private readonly writer: AuditWriter,
    config: AppConfig,
  ) {
    this.retentionMs = config.auditRetentionDays * DAY_MS;
  }

  onModuleInit(): void {
    for (const name of Object.keys(AUDIT_EVENT_TYPES) as DomainEventName[]) {
      this.emitter.on(name, (payload: DomainEvents[typeof name]) => this.record(name, payload));
    }
  }

  record<K extends DomainEventName>(name: K, payload: DomainEvents[K]): void {
    this.writer.write(toAuditEntry(name, payload, new Date(), this.retentionMs));
  }
}
