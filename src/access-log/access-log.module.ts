import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ReadModelsModule } from '../read-models/read-models.module';
import { AccessAuditInterceptor } from './access-audit';
import { AccessLogController } from './access-log.controller';
import { ACCESS_LOG } from './access-log.port';
import { accessLogProvider } from './access-log.provider';

/** The access log, its route for auditors, and the interceptor that writes it (README, "Access audit"). */
@Module({
  imports: [ReadModelsModule],
  controllers: [AccessLogController],
  providers: [accessLogProvider, { provide: APP_INTERCEPTOR, useClass: AccessAuditInterceptor }],
  exports: [ACCESS_LOG],
})
export class AccessLogModule {}
