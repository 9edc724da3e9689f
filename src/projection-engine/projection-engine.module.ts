import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy-history/policy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { PrivacyModule } from '../privacy/privacy.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { leaseStoreProvider } from './lease/lease.providers';
import { ProjectionsAdminController } from './projections-admin.controller';
import { ProjectionEngine } from './projection-engine.service';
import { viewDefinitionsProvider } from '../views/views';

@Module({
  imports: [EventStoreModule, ReadModelsModule, PolicyModule, PrivacyModule],
  controllers: [ProjectionsAdminController],
  providers: [ProjectionEngine, leaseStoreProvider, viewDefinitionsProvider],
  exports: [ProjectionEngine, PolicyModule],
})
export class ProjectionEngineModule {}
