import { Module } from '@nestjs/common';
import { policyProvider } from '../config/policy.provider';
import { EventStoreModule } from '../event-store/event-store.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { leaseStoreProvider } from './lease/lease.providers';
import { ProjectionsAdminController } from './projections-admin.controller';
import { ProjectionEngine } from './projection-engine.service';

@Module({
  imports: [EventStoreModule, ReadModelsModule],
  controllers: [ProjectionsAdminController],
  providers: [ProjectionEngine, policyProvider, leaseStoreProvider],
  exports: [ProjectionEngine, policyProvider],
})
export class ProjectionEngineModule {}
