import { Module } from '@nestjs/common';
import { CustomerViewModule } from '../views/customer/customer-view.module';
import { ProjectionEngineModule } from '../projection-engine/projection-engine.module';
import { ReadModelsModule } from '../read-models/read-models.module';
import { FeedController } from './feed.controller';
import { OutboxRelayService } from './outbox-relay.service';
import { PublisherAdminController } from './publisher-admin.controller';
import { ReadModelOutbox } from './read-model-outbox';

@Module({
  imports: [ReadModelsModule, ProjectionEngineModule, CustomerViewModule],
  controllers: [FeedController, PublisherAdminController],
  providers: [ReadModelOutbox, OutboxRelayService],
  exports: [OutboxRelayService],
})
export class PublishingModule {}
