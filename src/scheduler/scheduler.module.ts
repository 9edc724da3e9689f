import { Module } from '@nestjs/common';
import { EventStoreModule } from '../event-store/event-store.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { SchedulerController } from './scheduler.controller';
import { ThresholdScheduler } from './threshold-scheduler';

@Module({
  imports: [EventStoreModule, ReadModelsModule, ProjectionEngineModule],
  controllers: [SchedulerController],
  providers: [ThresholdScheduler],
})
export class SchedulerModule {}
