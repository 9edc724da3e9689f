import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventStoreModule } from '../event-store/event-store.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule, EventStoreModule, ReadModelsModule],
  controllers: [HealthController],
})
export class HealthModule {}
