import { Module } from '@nestjs/common';
import { AccessLogModule } from '../access-log/access-log.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { SchedulerController } from './scheduler.controller';
import { ThresholdScheduler } from './threshold-scheduler';

@Module({
  imports: [
    EventStoreModule,
    ReadModelsModule,
    ProjectionEngineModule,
    AccessLogModule,
    PrivacyModule,
  ],
  controllers: [SchedulerController],
  providers: [ThresholdScheduler],
})
export class SchedulerModule {}
