import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { NextFunction, Request, Response } from 'express';
import { IngestModule } from '../ingest/ingest.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { PublishingModule } from '../publishing/publishing.module';
import { MetricsController } from './metrics.controller';
import { MetricsService, TouchpointsIngestedMetrics } from './metrics.service';

@Module({
  imports: [CqrsModule, IngestModule, ProjectionEngineModule, PublishingModule, PrivacyModule],
  controllers: [MetricsController],
  providers: [MetricsService, TouchpointsIngestedMetrics],
})
export class MetricsModule implements NestModule {
  constructor(private readonly metrics: MetricsService) {}

  /** Times every request; labelled by the route template Express matched, never the raw path. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((request: Request, response: Response, next: NextFunction) => {
        const done = this.metrics.httpRequests.startTimer();
        response.on('finish', () => {
          const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
          done({ method: request.method, route, status: String(response.statusCode) });
        });
        next();
      })
      .forRoutes('*');
  }
}
