import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AccessLogModule } from './access-log/access-log.module';
import { AuditModule } from './audit/audit.module';
import { CustomerViewModule } from './views/customer/customer-view.module';
import { TouchpointActivityModule } from './views/touchpoint-activity/touchpoint-activity.module';
import { Environment, validateEnvironment } from './config/environment';
import { HealthModule } from './health/health.module';
import { ApiKeyGuard } from './security/api-key.guard';
import { HttpExceptionFilter } from './http/errors/http-exception.filter';
import { IngestModule } from './ingest/ingest.module';
import { MetricsModule } from './metrics/metrics.module';
import { PostgresModule } from './postgres/postgres.module';
import { PublishingModule } from './publishing/publishing.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { TamperEvidenceModule } from './tamper-evidence/tamper-evidence.module';
import { WhatIfModule } from './what-if/what-if.module';

/**
 * The whole service, configured from an explicit environment (process.env in main.ts, a
 * test's own variables in e2e tests) that is validated before anything starts.
 */
@Module({})
export class AppModule {
  static forEnvironment(raw: Record<string, unknown>): DynamicModule {
    const environment = validateEnvironment(raw);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          validatePredefined: false,
          load: [() => ({ ...environment })],
        }),
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) => ({
            pinoHttp: {
              level: config.get('LOG_LEVEL', { infer: true }),
              // Request logs carry method, path and status only: never bodies, headers or queries,
              // which may hold personal data or credentials.
              serializers: {
                req: (req: { method: string; url: string }) => ({
                  method: req.method,
                  path: req.url.split('?')[0],
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
            },
          }),
        }),
        PostgresModule,
        AccessLogModule,
        IngestModule,
        AuditModule,
        CustomerViewModule,
        TouchpointActivityModule,
        SchedulerModule,
        TamperEvidenceModule,
        PublishingModule,
        HealthModule,
        MetricsModule,
        WhatIfModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }
}
