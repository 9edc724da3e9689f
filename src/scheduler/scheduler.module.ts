import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AccessLogModule } from '../access-log/access-log.module';
import { IngestModule } from '../ingest/ingest.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { SchedulerController } from './scheduler.controller';
import { ThresholdScheduler } from './threshold-scheduler';

@Module({
  // Threshold events go through the command path: the CommandBus, and IngestModule's handler.
  imports: [CqrsModule, IngestModule, ReadModelsModule, ProjectionEngineModule, AccessLogModule],
  controllers: [SchedulerController],
  providers: [ThresholdScheduler],
})
export class SchedulerModule {}
