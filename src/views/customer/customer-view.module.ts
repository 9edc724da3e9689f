import { Module } from '@nestjs/common';
import { PolicyModule } from '../../policy-history/policy.module';
import { EventStoreModule } from '../../event-store/event-store.module';
import { ProjectionEngineModule } from '../../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../../read-models/read-models.module';
import { CustomerQueries } from './customer.queries';
import { CustomerStatsQueries } from './customer-stats.queries';
import { CustomersController } from './customers.controller';
import { ReadYourWrites } from './read-your-writes';
import { StatsController } from './stats.controller';

/**
 * The customer view's queries: the customer 360, audiences and stats over the documents its
 * definition (customer.view.ts) keeps. Exports ReadYourWrites for the other read endpoints (the feed).
 */
@Module({
  imports: [EventStoreModule, ReadModelsModule, ProjectionEngineModule, PolicyModule],
  controllers: [CustomersController, StatsController],
  providers: [ReadYourWrites, CustomerQueries, CustomerStatsQueries],
  exports: [ReadYourWrites],
})
export class CustomerViewModule {}
