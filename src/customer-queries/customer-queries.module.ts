import { Module } from '@nestjs/common';
import { PolicyModule } from '../policy-history/policy.module';
import { EventStoreModule } from '../event-store/event-store.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { CustomersController } from './customers.controller';
import { ReadYourWrites } from './read-your-writes';
import { StatsController } from './stats.controller';

@Module({
  imports: [EventStoreModule, ReadModelsModule, ProjectionEngineModule, PolicyModule],
  controllers: [CustomersController, StatsController],
  providers: [ReadYourWrites],
  exports: [ReadYourWrites],
})
export class CustomerQueriesModule {}
