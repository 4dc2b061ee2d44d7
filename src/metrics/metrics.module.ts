import { Module } from '@nestjs/common';
import { DpopModule } from '../dpop/dpop.module';
import { TokensModule } from '../tokens/tokens.module';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsAccessGuard } from './metrics-access.guard';
import { MetricsController } from './metrics.controller';
import { MetricsListener } from './metrics.listener';
import { MetricsService } from './metrics.service';

@Module({
  // AccessTokenService and DpopService, for the optional token check on /metrics.
  imports: [TokensModule, DpopModule],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsListener, HttpMetricsHook, MetricsAccessGuard],
  exports: [MetricsService],
})
export class MetricsModule {}
