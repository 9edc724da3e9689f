import { Module } from '@nestjs/common';
import { AccessLogModule } from '../access-log/access-log.module';
import { PolicyModule } from '../policy-history/policy.module';
import { CqrsModule } from '@nestjs/cqrs';
import { PrivacyModule } from '../privacy/privacy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { AppendSystemEventsHandler, AppendTouchpointsHandler } from './append-touchpoints.handler';
import { IngestAdminController } from './ingest-admin.controller';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';
import { KafkaIngest } from './kafka-ingest';

@Module({
  imports: [CqrsModule, EventStoreModule, PrivacyModule, PolicyModule, AccessLogModule],
  controllers: [IngestController, IngestAdminController],
  providers: [AppendTouchpointsHandler, AppendSystemEventsHandler, IngestService, KafkaIngest],
  exports: [IngestService, KafkaIngest],
})
export class IngestModule {}
