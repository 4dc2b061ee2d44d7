import { Injectable } from '@nestjs/common';
import { InvalidRequestError } from '../common/errors/oauth-errors';
import { EventBus } from '../common/events';
import type { RuntimeConfigDto, UpdateRuntimeConfigDto } from './dto/runtime-config.dto';
import {
  RuntimeConfigService,
  type RuntimeSettings,
  type RuntimeSettingsPatch,
} from './runtime-config.service';

export interface ChangeContext {
  clientId?: string;
  ip?: string;
  requestId?: string;
}

const toView = (s: RuntimeSettings): RuntimeConfigDto => ({
  algorithm: s.algorithm,
  access_token_expire_minutes: s.accessTokenMinutes,
  refresh_token_expire_days: s.refreshTokenDays,
  max_requests_per_minute: s.maxRequestsPerMinute,
});

/** The admin face of RuntimeConfigService: snake_case views, checks, and the audit event. */
@Injectable()
export class AdminConfigService {
  constructor(
    private readonly runtime: RuntimeConfigService,
    private readonly events: EventBus,
  ) {}

  current(): RuntimeConfigDto {
    return toView(this.runtime.current);
  }

  async update(dto: UpdateRuntimeConfigDto, ctx: ChangeContext): Promise<RuntimeConfigDto> {
    if (dto.algorithm === 'HS256' && !this.runtime.current.secretKey) {
      throw new InvalidRequestError('algorithm HS256 needs SECRET_KEY in the jwt_config document');
    }
    const patch: RuntimeSettingsPatch = {
      ...(dto.algorithm !== undefined && { algorithm: dto.algorithm }),
      ...(dto.access_token_expire_minutes !== undefined && {
        accessTokenMinutes: dto.access_token_expire_minutes,
      }),
      ...(dto.refresh_token_expire_days !== undefined && {
        refreshTokenDays: dto.refresh_token_expire_days,
      }),
      ...(dto.max_requests_per_minute !== undefined && {
        maxRequestsPerMinute: dto.max_requests_per_minute,
      }),
    };
    if (Object.keys(patch).length === 0) throw new InvalidRequestError('nothing to update');
    const view = toView(await this.runtime.update(patch));
    const changed = Object.keys(dto)
      .filter((k): k is keyof RuntimeConfigDto => k in view)
      .map((k) => `${k}=${String(view[k])}`);
    this.events.emit('config.updated', {
      ...ctx,
      reason: `runtime configuration updated: ${changed.join(', ')}`,
    });
    return view;
  }
}
